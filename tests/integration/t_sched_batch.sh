# sched_batch: the workers of the lowest priority run as SCHED_BATCH when
# a class stands above it and the others as SCHED_OTHER, as every class
# does when all have the same priority, unless a class says otherwise;
# the programs of an exec class inherit its policy; a reload that moves a
# class across gives its running workers, the same processes, their new
# policy; a value that is not a boolean is an error at its line.
. "$(dirname "$0")/lib.sh"

# The scheduling policy of a process: 0 SCHED_OTHER, 3 SCHED_BATCH.
policy() {
	awk '{ sub(/^.*\) /, ""); print $39 }' "/proc/$1/stat"
}

# expect_policy CLASS POLICY: every worker of CLASS runs with POLICY.
expect_policy() {
	local pid n=0
	for pid in $(logged_workers "$1"); do
		is_worker "$pid" || continue
		n=$((n + 1))
		[ "$(policy "$pid")" = "$2" ] ||
		    fail "class $1: worker $pid has policy $(policy "$pid"), expected $2"
	done
	[ "$n" -gt 0 ] || fail "class $1: no worker alive"
}

cat >"$TMP/cfg.in" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; workers = 2; priority = @LOW@; },
  { name = "special"; priority = @HIGH@; },
  { name = "eager"; priority = 0; sched_batch = false; },
  { name = "prog"; priority = 0; handler = "exec";
    command = [ "/bin/sh", "-c", "awk '{ sub(/^.*\\) /, \"\"); print $39 }' /proc/$$/stat" ]; }
);
rules = (
  { address = "127.0.0.100"; class = "special"; },
  { address = "127.0.0.101"; class = "eager"; },
  { address = "127.0.0.102"; class = "prog"; }
);
EOF2
sed 's/@LOW@/0/; s/@HIGH@/10/' "$TMP/cfg.in" | config "$CFG"

start -c "$CFG"
expect_class 127.0.0.1 normal
expect_class 127.0.0.100 special
expect_policy normal 3
expect_policy special 0
expect_policy eager 0
expect_policy prog 3
# What an exec class's program runs with: its worker's policy.
expect_reply 127.0.0.102 3

# reload LOW HIGH: the same classes with priorities LOW and HIGH, served
# by the same workers.
reload() {
	local normal special
	normal=$(logged_workers normal | sort | tr '\n' ' ')
	special=$(logged_workers special)
	sed "s/@LOW@/$1/; s/@HIGH@/$2/" "$TMP/cfg.in" | config "$CFG"
	kill -HUP "$DPID"
	RELOADS=$((RELOADS + 1))
	wait_log_count "^dispatcher: info: reloaded $CFG\$" "$RELOADS"
	[ "$(logged_workers normal | sort | tr '\n' ' ')" = "$normal" ] ||
	    fail "class normal: new workers after a reload that kept its settings"
	[ "$(logged_workers special)" = "$special" ] ||
	    fail "class special: new workers after a reload that kept its settings"
}
RELOADS=0

# special falls to the lowest priority and normal rises above it.
reload 20 0
expect_policy normal 0
expect_policy special 3
expect_policy eager 0
expect_policy prog 3
expect_class 127.0.0.1 normal
expect_class 127.0.0.100 special

# One priority for all: no class to favour, none is batched.
reload 0 0
expect_policy normal 0
expect_policy special 0
expect_policy prog 0
expect_reply 127.0.0.102 0
expect_class 127.0.0.1 normal
stop

config "$TMP/bad.cfg" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal";
    sched_batch = 1; }
);
EOF2
expect_errors "$TMP/bad.cfg" '4: "sched_batch" must be true or false'
