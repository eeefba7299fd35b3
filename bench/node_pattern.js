'use strict';
// node_pattern.js: the Node.js pattern the dispatcher rebuilds, from the
// child_process documentation (subprocess.send(message, sendHandle)): a
// server with pauseOnConnect hands each unread socket to a "special" child
// for a VIP address and to a "normal" child otherwise; the child writes the
// reply and closes.  The replies match the dispatcher's default reply, so
// one load generator measures both.  One normal child, though the
// dispatcher has two normal workers: with two children in turn, Node
// served 5 to 21 % fewer connections a second (docs/PERFORMANCE.md).
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
	const children = {
		normal: fork(__filename, ['child', 'normal']),
		special: fork(__filename, ['child', 'special']),
	};
	for (const c of Object.values(children)) {
		c.on('error', (e) => console.error(`node_pattern: child: ${e.message}`));
		c.on('exit', () => process.exit(1));
	}

	const server = net.createServer({ pauseOnConnect: true });
	server.on('connection', (socket) => {
		socket.on('error', () => socket.destroy());
		const addr = (socket.remoteAddress || '').replace(/^::ffff:/, '');
		const c = addr === vip ? children.special : children.normal;
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
		for (const c of Object.values(children))
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
