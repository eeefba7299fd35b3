# A dispatcher that is not root cannot switch users: started as nobody
# with "user" naming another, it exits 78 at once, saying so, before it
# binds anything; started as the user "user" names, it runs.
. "$(dirname "$0")/lib.sh"

unprivileged 4096
config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
user = "daemon";
EOF2
expect_exit 78 -c "$CFG"
uid=$(id -u daemon) gid=$(id -g daemon) me=$(id -u nobody) mygid=$(getent group nogroup | cut -d: -f3)
expect_line "dispatcher: warning: $CFG: \"user\" is daemon (uid $uid, gid $gid), but the dispatcher runs as uid $me, gid $mygid and cannot switch: start it as root or as that user and group"
expect_no_log 'listening on|worker [0-9]+ started'

config "$CFG" <<'EOF2'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
user = "nobody";
group = "nogroup";
EOF2
start -c "$CFG"
expect_line "dispatcher: info: running as user nobody (uid $me, gid $mygid)"
expect_class 127.0.0.1 normal
stop
