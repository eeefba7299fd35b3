# -t reports each configuration error as FILE:LINE: message and exits 78;
# a file with several errors gets all of them in one run.
. "$(dirname "$0")/lib.sh"

config "$TMP/syntax.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
rules = (
  { address = 10.0.0.1; class = "normal"; }
);
EOF
expect_errors "$TMP/syntax.cfg" '4: syntax error: .+'

config "$TMP/unknown-key.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { adress = "10.0.0.1"; class = "special"; }
);
EOF
expect_errors "$TMP/unknown-key.cfg" '4: unknown key "adress"'

config "$TMP/unknown-top-key.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
defualt = "normal";
EOF
expect_errors "$TMP/unknown-top-key.cfg" '3: unknown key "defualt"'

config "$TMP/no-listen.cfg" <<'EOF'
classes = ( { name = "normal"; } );
EOF
expect_errors "$TMP/no-listen.cfg" '[0-9]+: missing "listen"'

config "$TMP/empty-listen.cfg" <<'EOF'
classes = ( { name = "normal"; } );
listen = [ ];
EOF
expect_errors "$TMP/empty-listen.cfg" '2: "listen" is empty'

config "$TMP/bad-address.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "10.0.0.1";  class = "special"; },
  { address = "300.1.2.3"; class = "special"; }
);
EOF
expect_errors "$TMP/bad-address.cfg" '5: bad address "300\.1\.2\.3"'

config "$TMP/bad-prefix.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "10.0.0.0/33"; class = "special"; }
);
EOF
expect_errors "$TMP/bad-prefix.cfg" '4: bad prefix length in "10\.0\.0\.0/33": must be 0 to 32'

config "$TMP/bad-prefix6.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "::/129"; class = "special"; }
);
EOF
expect_errors "$TMP/bad-prefix6.cfg" '4: bad prefix length in "::/129"'

config "$TMP/listen-no-port.cfg" <<'EOF'
classes = ( { name = "normal"; } );
listen = [ "127.0.0.1" ];
EOF
expect_errors "$TMP/listen-no-port.cfg" '2: .+'

config "$TMP/negative-delay.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; delay_ms = -1; }
);
EOF
expect_errors "$TMP/negative-delay.cfg" '3: .+'

config "$TMP/class-unknown-key.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; wokers = 2; }
);
EOF
expect_errors "$TMP/class-unknown-key.cfg" '3: unknown key "wokers"'

# "worker" (a program of the user's) written for "workers".
config "$TMP/class-worker-number.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; worker = 2; }
);
EOF
expect_errors "$TMP/class-worker-number.cfg" '3: "worker" must be a list of strings'

config "$TMP/bad-name.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "a b"; } );
EOF
expect_errors "$TMP/bad-name.cfg" '2: .+'

config "$TMP/bad-regex.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { regex = "^127\\.(";  class = "special"; }
);
EOF
expect_errors "$TMP/bad-regex.cfg" '4: regex does not compile at offset 7: missing closing parenthesis'

config "$TMP/unknown-class.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "10.0.0.1"; class = "gold"; }
);
EOF
expect_errors "$TMP/unknown-class.cfg" '4: unknown class "gold"'

config "$TMP/unknown-default.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
default = "gold";
EOF
expect_errors "$TMP/unknown-default.cfg" '3: unknown class "gold"'

config "$TMP/both.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { address = "10.0.0.1"; regex = "^10\\."; class = "special"; }
);
EOF
expect_errors "$TMP/both.cfg" '4: rule has both "address" and "regex"'

config "$TMP/neither.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; }, { name = "special"; } );
rules = (
  { class = "special"; }
);
EOF
expect_errors "$TMP/neither.cfg" '4: rule needs "address", "regex", "file", "listener" or "port"'

config "$TMP/duplicate.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; },
  { name = "normal"; workers = 2; }
);
EOF
expect_errors "$TMP/duplicate.cfg" '4: duplicate class "normal"'

config "$TMP/workers-0.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; workers = 0; }
);
EOF
expect_errors "$TMP/workers-0.cfg" '3: "workers" must be 1 to 256'

config "$TMP/workers-257.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; },
  { name = "special"; workers = 257; }
);
EOF
expect_errors "$TMP/workers-257.cfg" '4: "workers" must be 1 to 256'

config "$TMP/action.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = ( { name = "normal"; } );
rules = (
  { address = "10.0.0.1"; action = "drop"; }
);
EOF
expect_errors "$TMP/action.cfg" '4: unknown action "drop"'

config "$TMP/several.cfg" <<'EOF'
listen = [ "127.0.0.1:@PORT@" ];
classes = (
  { name = "normal"; workers = 0; },
  { name = "special"; }
);
rules = (
  { adress  = "10.0.0.1";    class = "special"; },
  { address = "10.0.0.0/33"; class = "special"; },
  { address = "10.1.0.0/16"; class = "gold"; },
  { regex   = "(";           class = "special"; },
  { address = "10.2.0.0/16"; action = "drop"; }
);
EOF
expect_errors "$TMP/several.cfg" \
    '3: "workers" must be 1 to 256' \
    '7: unknown key "adress"' \
    '8: bad prefix length in "10\.0\.0\.0/33": must be 0 to 32' \
    '9: unknown class "gold"' \
    '10: regex does not compile at offset 1: missing closing parenthesis' \
    '11: unknown action "drop"'
