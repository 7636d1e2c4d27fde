/* Fleet runs for hosting providers: one child per root (fork; at most --jobs
 * at once), so a root that crashes or hangs its parser costs only its own
 * line; the parent reads each child's summary line from a pipe and writes
 * the aggregate in the order the roots were given. */
#include "fleet.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jsonout.h"
#include "jsonw.h"
#include "report.h"
#include "root.h"
#include "util.h"

#define CAP_SUMMARY_LINE (16u * 1024 * 1024) /* one child's aggregate line */

char *
fleet_root_name(const char *root)
{
	struct buf b = {NULL, 0, 0};
	const char *p = root;
	size_t n;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && p[0] == '.'))
		return xstrdup(n ? "cwd" : "root");
	for (; n > 0; p++, n--) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			c = '_';
		/* "a//b" and "a/./b" name the same directory as "a/b" */
		if (c == '_' && b.len && b.p[b.len - 1] == '_' && *p == '/')
			continue;
		buf_add(&b, &c, 1);
	}
	return buf_take(&b);
}

char *
fleet_check(const struct options *opt)
{
	char **names = xcalloc(opt->nroot + 1, sizeof(*names));
	char *problem = NULL;
	size_t i;
	size_t j;

	for (i = 0; i < opt->nroot && problem == NULL; i++) {
		names[i] = fleet_root_name(opt->roots[i]);
		for (j = 0; j < i && problem == NULL; j++)
			if (strcmp(names[i], names[j]) == 0)
				problem = xasprintf("--root %s and --root %s would write reports with "
						    "the same name (%s)",
						    opt->roots[j], opt->roots[i], names[i]);
	}
	for (i = 0; i < opt->nroot; i++)
		free(names[i]);
	free(names);
	if (problem == NULL && opt->write_baseline)
		problem = xasprintf("--write-baseline writes one server's baseline: audit that "
				    "root on its own");
	return problem;
}

static const char *
format_ext(enum out_format f)
{
	switch (f) {
	case FMT_TEXT:
		return "txt";
	case FMT_JSON:
		return "json";
	case FMT_SARIF:
		return "sarif";
	case FMT_JUNIT:
		return "xml";
	}
	abort();
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The files one root's child writes, all under --output-dir (default: the
 * working directory): NAME.EXT for --format (NAME-FILE with --output FILE),
 * NAME-FILE for each --output FORMAT:FILE. */
struct root_files {
	char *main;
	size_t n;
	struct output *outputs;
	char **names;
};

static void
root_files(const struct options *opt, const char *name, struct root_files *rf)
{
	const char *dir = opt->output_dir ? opt->output_dir : ".";
	size_t i;

	rf->main = opt->output ? xasprintf("%s/%s-%s", dir, name, base_name(opt->output))
			       : xasprintf("%s/%s.%s", dir, name, format_ext(opt->format));
	rf->n = opt->noutput;
	rf->outputs = xcalloc(rf->n + 1, sizeof(*rf->outputs));
	rf->names = xcalloc(rf->n + 1, sizeof(*rf->names));
	for (i = 0; i < rf->n; i++) {
		rf->names[i] = xasprintf("%s/%s-%s", dir, name, base_name(opt->outputs[i].file));
		rf->outputs[i].format = opt->outputs[i].format;
		rf->outputs[i].file = rf->names[i];
	}
}

static void
root_files_free(struct root_files *rf)
{
	size_t i;

	free(rf->main);
	for (i = 0; i < rf->n; i++)
		free(rf->names[i]);
	free(rf->names);
	free(rf->outputs);
}

static json_t *
report_list(const struct root_files *rf)
{
	json_t *arr = json_pack("[o]", json_text(rf->main));
	size_t i;

	for (i = 0; i < rf->n; i++)
		json_array_append_new(arr, json_text(rf->names[i]));
	return arr;
}

/* The child's line for the aggregate (compact JSON, newline-ended), or
 * NULL when it could not be made. */
static char *
child_line(const struct audit *a, const char *root, const char *name, int status,
	       const struct root_files *rf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct jw *w;
	bool ok;

	if (mem == NULL)
		return NULL;
	w = jw_new(mem, 0);
	jw_object(w);
	jw_key_text(w, "root", root);
	jw_key_text(w, "name", name);
	jw_key_int(w, "exit_status", status);
	jw_key(w, "complete");
	jw_bool(w, audit_complete(a));
	jw_key(w, "summary");
	jw_json(w, json_summary(a));
	jw_key(w, "hosts");
	write_hosts(w, a);
	jw_key(w, "reports");
	jw_json(w, report_list(rf));
	jw_end(w);
	ok = jw_finish(w);
	if (fclose(mem) != 0 || !ok) {
		free(text);
		return NULL;
	}
	return text;
}

static void
write_all(int fd, const char *text)
{
	size_t len = text ? strlen(text) : 0;
	size_t off = 0;
	ssize_t w;

	while (off < len && ((w = write(fd, text + off, len - off)) > 0 || errno == EINTR))
		off += w > 0 ? (size_t)w : 0;
}

struct job {
	pid_t pid;
	int fd;
	struct buf out;
	bool done;
	bool shown; /* progress said so */
	int status; /* the root's exit status */
	char *error;
};

/* The parent's bookkeeping, which a child does not need: freed so that the
 * child's exit is leak-free (ASan runs the tests). */
static void
drop_jobs(struct job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		buf_free(&jobs[i].out);
		free(jobs[i].error);
		if (jobs[i].fd >= 0)
			close(jobs[i].fd);
	}
	free(jobs);
}

/* In the child: audit one root, then write its aggregate line to fd. */
static void __attribute__((noreturn))
child(struct audit *a, size_t k, int fd, int (*run)(struct audit *a))
{
	const char *root = a->opt.roots[k];
	char *name = fleet_root_name(root);
	struct root_files rf;
	json_t *line;
	char *text;
	int status;

	if (!root_open(root)) {
		/* the aggregate says why; no report is written */
		line = json_pack("{s:o, s:s, s:i, s:b, s:s+}", "root", json_text(root), "name", name,
				 "exit_status", 3, "complete", 0, "error", "cannot open the root: ",
				 strerror(errno));
		text = line ? json_dumps(line, JSON_COMPACT) : NULL;
		write_all(fd, text);
		free(text);
		json_decref(line);
		free(name);
		audit_free(a);
		exit(3);
	}
	root_files(&a->opt, name, &rf);
	free(a->opt.outputs);
	a->opt.outputs = rf.outputs;
	a->opt.output_cap = rf.n;
	rf.outputs = NULL;
	a->opt.root = root;
	a->opt.output = rf.main;
	a->opt.diag_prefix = root;
	a->opt.color = false; /* reports go to files */
	status = run(a);
	text = child_line(a, root, name, status, &rf);
	write_all(fd, text);
	free(text);
	close(fd);
	root_files_free(&rf);
	free(name);
	audit_free(a);
	exit(status);
}

static void
start_job(struct audit *a, struct job *jobs, size_t k, int (*run)(struct audit *a))
{
	int p[2];

	fflush(NULL);
	jobs[k].pid = -1;
	if (pipe(p) == 0 && (jobs[k].pid = fork()) < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		errno = e;
	}
	if (jobs[k].pid < 0) {
		jobs[k].done = true;
		jobs[k].status = 2;
		jobs[k].error = xasprintf("could not start the audit: %s", strerror(errno));
		jobs[k].fd = -1;
		return;
	}
	if (jobs[k].pid == 0) {
		close(p[0]);
		drop_jobs(jobs, a->opt.nroot);
		child(a, k, p[1], run);
	}
	close(p[1]);
	jobs[k].fd = p[0];
}

static void
finish_job(struct job *j)
{
	int ws;

	close(j->fd);
	j->fd = -1;
	while (waitpid(j->pid, &ws, 0) < 0 && errno == EINTR)
		;
	j->done = true;
	if (WIFEXITED(ws)) {
		j->status = WEXITSTATUS(ws);
	} else {
		j->status = 2;
		j->error = xasprintf("the audit process died (signal %d)",
				     WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
	}
}

/* Read what the running children wrote; finish those at end of file. */
static void
poll_jobs(struct job *jobs, size_t first, size_t last)
{
	struct pollfd *pfd = xcalloc(last - first + 1, sizeof(*pfd));
	size_t n = 0;
	size_t i;

	for (i = first; i < last; i++)
		if (!jobs[i].done && jobs[i].fd >= 0) {
			pfd[n].fd = jobs[i].fd;
			pfd[n].events = POLLIN;
			n++;
		}
	if (n && poll(pfd, n, -1) > 0) {
		size_t m = 0;

		for (i = first; i < last; i++) {
			char chunk[8192];
			ssize_t r;

			if (jobs[i].done || jobs[i].fd < 0)
				continue;
			if (pfd[m++].revents == 0)
				continue;
			r = read(jobs[i].fd, chunk, sizeof(chunk));
			if (r > 0 && jobs[i].out.len + (size_t)r <= CAP_SUMMARY_LINE)
				buf_add(&jobs[i].out, chunk, (size_t)r);
			else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
				finish_job(&jobs[i]);
		}
	}
	free(pfd);
}

/* The root's aggregate line: the child's, or one saying why there is none. */
static json_t *
aggregate_line(const struct options *opt, size_t k, struct job *j)
{
	json_t *line = NULL;
	char *name;

	if (j->error == NULL && j->out.p)
		line = json_loads(j->out.p, 0, NULL);
	if (line && json_is_object(line)) {
		json_object_set_new(line, "exit_status", json_integer(j->status));
		return line;
	}
	json_decref(line);
	name = fleet_root_name(opt->roots[k]);
	line = json_pack("{s:o, s:s, s:i, s:b, s:o}", "root", json_text(opt->roots[k]), "name",
			 name, "exit_status", j->status == 0 || j->status == 1 ? 2 : j->status,
			 "complete", 0, "error",
			 json_text(j->error ? j->error : "the audit ended without a summary"));
	if (j->status == 0 || j->status == 1)
		j->status = 2;
	free(name);
	return line;
}

/* 2 > 1 > 0; a root that could not be audited at all (3) counts as 2. */
static int
worse(int worst, int status)
{
	if (status > 2 || status < 0)
		status = 2;
	return status > worst ? status : worst;
}

static bool
emit(FILE *out, json_t *line)
{
	int rc = json_dumpf(line, out, JSON_COMPACT | JSON_PRESERVE_ORDER);

	return rc == 0 && fputc('\n', out) != EOF && fflush(out) == 0;
}

static void
progress(const struct options *opt, size_t done, size_t k, const struct job *j)
{
	static const char *const what[] = {"clean", "findings", "INCOMPLETE", "not audited"};

	fprintf(stderr, "cfaudit: [%zu/%zu] ", done, opt->nroot);
	fput_escaped(stderr, opt->roots[k]);
	fprintf(stderr, ": %s\n", what[j->status >= 0 && j->status <= 3 ? j->status : 3]);
}

int
fleet_run(struct audit *a, int (*run)(struct audit *a))
{
	const struct options *opt = &a->opt;
	size_t n = opt->nroot;
	struct job *jobs = xcalloc(n + 1, sizeof(*jobs));
	size_t jobs_max = opt->jobs ? opt->jobs : 1;
	size_t started = 0;
	size_t emitted = 0;
	size_t ndone = 0;
	bool tty = isatty(fileno(stderr));
	bool ok = true;
	FILE *out = stdout;
	int worst = 0;
	size_t i;

	if (opt->output_dir && mkdir(opt->output_dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "cfaudit: --output-dir %s: %s\n", opt->output_dir, strerror(errno));
		free(jobs);
		return 3;
	}
	if (opt->aggregate && (out = fopen(opt->aggregate, "w")) == NULL) {
		fprintf(stderr, "cfaudit: --aggregate %s: %s\n", opt->aggregate, strerror(errno));
		free(jobs);
		return 3;
	}
	for (i = 0; i < n; i++)
		jobs[i].fd = -1;
	while (emitted < n) {
		size_t running = 0;

		for (i = emitted; i < started; i++)
			running += !jobs[i].done;
		for (; started < n && running < jobs_max; started++, running++)
			start_job(a, jobs, started, run);
		poll_jobs(jobs, emitted, started);
		for (i = emitted; i < started; i++)
			if (jobs[i].done && !jobs[i].shown) {
				jobs[i].shown = true;
				if (tty)
					progress(opt, ++ndone, i, &jobs[i]);
			}
		/* the aggregate keeps the order of the roots */
		for (; emitted < started && jobs[emitted].done; emitted++) {
			json_t *line = aggregate_line(opt, emitted, &jobs[emitted]);

			ok &= emit(out, line);
			json_decref(line);
			worst = worse(worst, jobs[emitted].status);
			buf_free(&jobs[emitted].out);
			free(jobs[emitted].error);
		}
	}
	free(jobs);
	if (out != stdout && fclose(out) != 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "cfaudit: could not write the aggregate\n");
		return 3;
	}
	return worst;
}
