# embed.awk: turns a text file into a C string constant, so that the sandbox can write
# preload.js into its own root file system without looking for it on the host.
# Usage: awk -v name=SYMBOL -f embed.awk FILE > out.c
BEGIN { printf "/* generated from preload.js by embed.awk: do not edit */\n"; printf "const char %s[] =\n", name }
{
	gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t")
	printf "\t\"%s\\n\"\n", $0
}
END { printf "\t\"\";\n" }
