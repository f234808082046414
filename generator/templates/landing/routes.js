// Sign-ups are private: the page only ever shows how many there are.
route('GET', /^\/api\/signups\/count$/, () => ({ count: store.collections.signups.length }));
