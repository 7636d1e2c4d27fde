/* One libFuzzer target per parser, chosen at build time with -DFUZZ_<NAME>
 * (make fuzz builds each). Built without -fsanitize=fuzzer and with
 * -DFUZZ_REPLAY it is a plain program that replays files or directories of
 * inputs (the corpus and every crasher kept under tests/fuzz/corpus/<name>),
 * so CI replays them without clang's fuzzer runtime (sqlite's ossshell). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model.h"
#include "parse.h"
#include "ranges.h"
#include "root.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parsers take NUL-terminated text of len bytes, as root_read gives it. */
static char *
terminated(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct origin o;
	struct input *in;
	char *text = terminated(data, size);

	memset(&o, 0, sizeof(o));
#if defined(FUZZ_IPTABLES)
	in = origin_add_input(&o, IN_IPTABLES, "/fuzz");
	parse_iptables(&o, in, text, size, size > 0 && (data[0] & 1) ? FAM_V6 : FAM_V4);
#elif defined(FUZZ_IPTABLES_XML)
	in = origin_add_input(&o, IN_IPTABLES, "/fuzz");
	parse_iptables_xml(&o, in, text, size, FAM_V4);
#elif defined(FUZZ_IPSET)
	in = origin_add_input(&o, IN_IPSET, "/fuzz");
	parse_ipset(&o, in, text, size);
#elif defined(FUZZ_RANGES)
	{
		struct cf_ranges r;

		ranges_builtin(&r);
		ranges_clear(&r);
		in = origin_add_input(&o, IN_RANGES, "/fuzz");
		parse_ranges(&r, in, text, size);
		ranges_free(&r);
	}
#else
#error "define one FUZZ_<PARSER>"
#endif
	origin_finish(&o);
	origin_free(&o);
	free(text);
	return 0;
}

#ifdef FUZZ_REPLAY
static int
replay_file(const char *path)
{
	char *data = NULL;
	char *err = NULL;
	size_t len = 0;

	if (host_read(path, &data, &len, &err) != READ_OK) {
		fprintf(stderr, "%s: %s\n", path, err ? err : "cannot read");
		free(err);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	return 0;
}

static int
replay(const char *path, size_t *count)
{
	struct stat st;
	struct dirent **names;
	int n;
	int i;
	int bad = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	n = scandir(path, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char *sub = xasprintf("%s/%s", path, names[i]->d_name);

			bad |= replay(sub, count);
			free(sub);
		}
		free(names[i]);
	}
	free(n >= 0 ? names : NULL);
	return bad;
}

int
main(int argc, char **argv)
{
	size_t count = 0;
	int bad = 0;
	int i;

	for (i = 1; i < argc; i++)
		bad |= replay(argv[i], &count);
	printf("replayed %zu inputs\n", count);
	return bad;
}
#endif
