'use strict';
// node_pattern.js: the Node.js pattern the dispatcher rebuilds, from the
// child_process documentation (subprocess.send(message, sendHandle)): a
// server with pauseOnConnect hands each unread socket to the "special" child
// for a VIP address and otherwise to the next of two "normal" children in
// turn, as cluster's round-robin does (the workers bench/cfg/throughput.cfg
// gives the dispatcher); the child writes the reply and closes.  The
// replies match the dispatcher's default reply, so one load generator
// measures both.
//
// usage: node node_pattern.js HOST:PORT [SPECIAL_ADDRESS]
//
// Resets and vanished clients are routine under load: every socket, child
// and send has an error handler, so that none of them ends the server.

const { fork } = require('node:child_process');
const net = require('node:net');

function child(cls) {
	const reply = `Request handled with ${cls} priority by worker ${process.pid}\n`;
	process.on('message', (m, socket) => {
		if (m !== 'socket' || !socket)
			return;
		socket.on('error', () => socket.destroy());
		socket.end(reply);
	});
	// The parent is gone: nothing more will come.
	process.on('disconnect', () => process.exit(0));
}

function parent(target, vip) {
	const colon = target.lastIndexOf(':');
	const host = target.slice(0, colon).replace(/^\[|\]$/g, '');
	const port = Number(target.slice(colon + 1));
	if (host !== '::1' && !host.startsWith('127.')) {
		console.error(`node_pattern: ${target}: loopback only`);
		process.exit(64);
	}
	const normal = [
		fork(__filename, ['child', 'normal']),
		fork(__filename, ['child', 'normal']),
	];
	const special = fork(__filename, ['child', 'special']);
	const children = [...normal, special];
	let next = 0;
	for (const c of children) {
		c.on('error', (e) => console.error(`node_pattern: child: ${e.message}`));
		c.on('exit', () => process.exit(1));
	}

	const server = net.createServer({ pauseOnConnect: true });
	server.on('connection', (socket) => {
		socket.on('error', () => socket.destroy());
		const addr = (socket.remoteAddress || '').replace(/^::ffff:/, '');
		let c = special;
		if (addr !== vip) {
			c = normal[next];
			next = (next + 1) % normal.length;
		}
		// A failed send (a reset socket, a full channel) costs one client.
		c.send('socket', socket, (e) => {
			if (e)
				socket.destroy();
		});
	});
	server.on('error', (e) => {
		console.error(`node_pattern: ${e.message}`);
		process.exit(71);
	});
	server.listen({ host, port, backlog: 4096 }, () =>
		console.error(`node_pattern: listening on ${target}: ready`));

	const stop = () => {
		for (const c of children)
			c.kill('SIGTERM');
		process.exit(0);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

if (process.argv[2] === 'child')
	child(process.argv[3]);
else if (process.argv.length >= 3)
	parent(process.argv[2], process.argv[3] || '127.0.0.100');
else {
	console.error('usage: node node_pattern.js HOST:PORT [SPECIAL_ADDRESS]');
	process.exit(64);
}
