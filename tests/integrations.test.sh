#!/bin/sh
# The CI examples of samples/integrations work: the pre-commit hook in a git
# repository (staged content, refusal, baseline), the GitHub Actions and
# GitLab CI command lines on a sample, and the Ansible play on a fleet of two
# samples (when ansible-playbook is installed).
: "${BIN:=./cfaudit}"
AT=2026-11-01
I=samples/integrations
SUITE=integrations
. "$(dirname "$0")/lib.sh"
make_tmp integrations

bin=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
here=$(pwd)

# ---- pre-commit ----
if command -v git >/dev/null 2>&1; then
	repo=$tmp/repo
	mkdir -p "$repo"
	git -C "$repo" init -q
	git -C "$repo" config user.name test
	git -C "$repo" config user.email test@example.com
	git -C "$repo" config commit.gpgsign false
	cp "$I/pre-commit" "$repo/.git/hooks/pre-commit"
	chmod +x "$repo/.git/hooks/pre-commit"
	cp -R samples/healthy/etc "$repo/"
	git -C "$repo" add -A
	if CFAUDIT=$bin git -C "$repo" commit -q -m healthy >"$tmp/out" 2>&1; then ok pre-commit-clean; else fail pre-commit-clean "$(head -c 300 "$tmp/out")"; fi
	# a change that makes Cloudflare fail is refused, with the finding shown
	cp samples/fw-drop/etc/iptables/rules.v4 "$repo/etc/iptables/rules.v4"
	git -C "$repo" add -A
	if CFAUDIT=$bin git -C "$repo" commit -q -m drop >"$tmp/out" 2>&1; then
		fail pre-commit-refuses "the commit went through"
	else
		ok pre-commit-refuses
	fi
	if grep -q "rules.v4:[0-9]*: error: CF522-FW-DROP" "$tmp/out"; then ok pre-commit-says-why; else fail pre-commit-says-why "$(head -c 300 "$tmp/out")"; fi
	if [ "$(git -C "$repo" rev-list --count HEAD)" = 1 ]; then ok pre-commit-not-committed; else fail pre-commit-not-committed "a second commit exists"; fi
	# what counts is the index: a fixed working tree does not help, a
	# fixed index does
	cp samples/healthy/etc/iptables/rules.v4 "$repo/etc/iptables/rules.v4"
	if CFAUDIT=$bin git -C "$repo" commit -q -m drop >"$tmp/out" 2>&1; then fail pre-commit-index "the working tree was audited"; else ok pre-commit-index; fi
	cp samples/fw-drop/etc/iptables/rules.v4 "$repo/etc/iptables/rules.v4"
	# a baseline in the repository: accepted findings do not block
	(cd "$repo" && "$bin" --root . --no-config --write-baseline cfaudit-baseline.json >/dev/null 2>&1)
	git -C "$repo" add -A
	if CFAUDIT=$bin CFAUDIT_BASELINE=cfaudit-baseline.json git -C "$repo" commit -q -m accepted >"$tmp/out" 2>&1; then ok pre-commit-baseline; else fail pre-commit-baseline "$(head -c 300 "$tmp/out")"; fi
	# a directive without a reason: an incomplete audit, said so
	printf '# cfaudit: ignore CF522-FW-DROP\n' >>"$repo/etc/iptables/rules.v4"
	git -C "$repo" add -A
	if CFAUDIT=$bin CFAUDIT_BASELINE=cfaudit-baseline.json git -C "$repo" commit -q -m noreason >"$tmp/out" 2>&1; then
		fail pre-commit-incomplete "a directive without a reason went through"
	elif grep -q "incomplete" "$tmp/out"; then
		ok pre-commit-incomplete
	else
		fail pre-commit-incomplete "$(head -c 300 "$tmp/out")"
	fi
else
	echo "skip integrations pre-commit: git is not installed"
fi

# ---- the CI YAML files parse, and their cfaudit command lines work ----
for f in github-actions.yml gitlab-ci.yml ansible-audit.yml; do
	if /usr/bin/python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$I/$f" 2>"$tmp/err"; then ok "$f-yaml"; else fail "$f-yaml" "$(tail -n 1 "$tmp/err")"; fi
done
# run_step NAME FILE EXPR ...: the command of the YAML step EXPR selects
# (python), with the project's cfaudit, in a copy of a sample
run_step() {
	name=$1 file=$2 expr=$3 sample=$4 want=$5
	/usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$I/$file" "$expr" >"$tmp/cmd" 2>"$tmp/err" ||
		{ fail "$name" "no step: $(tail -n 1 "$tmp/err")"; return; }
	rm -rf "$tmp/ci" && mkdir -p "$tmp/ci" && cp -R "samples/$sample/etc" "$tmp/ci/"
	sed -e "s|\.cfaudit-src/cfaudit|$bin|; s|/opt/cfaudit/cfaudit|$bin|" "$tmp/cmd" >"$tmp/cmd.sh"
	(cd "$tmp/ci" && CFAUDIT_ROOT=. CFAUDIT_FAIL_ON=warning sh "$tmp/cmd.sh" >out 2>err)
	st=$?
	if [ "$st" = "$want" ]; then ok "$name"; else fail "$name" "exit $st, expected $want: $(head -c 200 "$tmp/ci/err")"; fi
}
run_step github-audit github-actions.yml '[s for s in d["jobs"]["audit"]["steps"] if s.get("name") == "Audit"][0]["run"]' fw-drop 1
if jq -e '.runs[0].results | length > 0' "$tmp/ci/cfaudit.sarif" >/dev/null 2>&1; then ok github-sarif; else fail github-sarif "no SARIF results"; fi
run_step github-audit-clean github-actions.yml '[s for s in d["jobs"]["audit"]["steps"] if s.get("name") == "Audit"][0]["run"]' healthy 0
run_step gitlab-script gitlab-ci.yml '"\n".join(d["cfaudit"]["script"])' fw-drop 1
if xmllint --noout "$tmp/ci/cfaudit-junit.xml" 2>/dev/null && grep -q "<failure" "$tmp/ci/cfaudit-junit.xml"; then ok gitlab-junit; else fail gitlab-junit "no JUnit report with failures"; fi
if /usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); sys.exit(d["cfaudit"]["artifacts"]["reports"]["junit"] != "cfaudit-junit.xml")' "$I/gitlab-ci.yml"; then ok gitlab-junit-artifact; else fail gitlab-junit-artifact "the job does not report the JUnit file it writes"; fi

# ---- the Ansible play: two "servers" (the samples), audited as a fleet ----
if command -v ansible-playbook >/dev/null 2>&1; then
	mkdir -p "$tmp/ansible"
	cp "$I/ansible-audit.yml" "$tmp/ansible/"
	cat >"$tmp/ansible/inventory" <<INV
[webservers]
healthy ansible_connection=local snapshot_root=$here/samples/healthy
fw-drop ansible_connection=local snapshot_root=$here/samples/fw-drop
[all:vars]
ansible_python_interpreter=/usr/bin/python3
ansible_become=false
INV
	(cd "$tmp/ansible" && ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False \
		timeout 300 ansible-playbook -i inventory ansible-audit.yml -e "cfaudit=$bin" >out 2>&1)
	st=$?
	if [ "$st" != 0 ] && grep -q "fw-drop: exit status 1" "$tmp/ansible/out" && ! grep -q "healthy: exit status" "$tmp/ansible/out"; then
		ok ansible-fails-on-findings
	else
		fail ansible-fails-on-findings "exit $st: $(grep -E 'fatal|failed|msg' "$tmp/ansible/out" | head -c 400)"
	fi
	if [ "$(jq -s -c 'map([.root, .exit_status])' "$tmp/ansible/cfaudit-reports/fleet.jsonl" 2>/dev/null)" = '[["healthy",0],["fw-drop",1]]' ] &&
		jq -e '.findings | length > 0' "$tmp/ansible/cfaudit-reports/fw-drop.json" >/dev/null 2>&1; then
		ok ansible-reports
	else
		fail ansible-reports "$(cat "$tmp/ansible/cfaudit-reports/fleet.jsonl" 2>/dev/null | head -c 300)"
	fi
else
	echo "skip integrations ansible: ansible-playbook is not installed (Debian ansible-core)"
fi
