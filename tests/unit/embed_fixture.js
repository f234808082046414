// embed_fixture.js: text embed.awk must keep byte for byte (tests/unit/test_embed.c).
const crlf = '\r\n'; const re = /\d+\.\\/;
const q = "a \"quoted\" word" + 'it\'s';
	// a tab before this comment, and one	inside it
const lone = '\\'; // a backslash at the end of a line: \

