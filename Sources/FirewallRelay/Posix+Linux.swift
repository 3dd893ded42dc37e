#if os(Linux)
import Glibc

extension Posix {
    /// A pipe whose ends are close-on-exec, atomically: a child spawned by another thread at the same
    /// moment must never inherit this pipe (it would hold its end open and hide end-of-file).
    package static func pipe() throws(POSIXError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard linuxPipe2(&fds, O_CLOEXEC) == 0 else { throw POSIXError(errno) }
        return (fds[0], fds[1])
    }

    /// `posix_spawnp` with the file actions and attributes `spawn` promises.
    static func spawnp(
        _ pid: inout pid_t, _ executable: String, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>,
        _ environment: UnsafePointer<UnsafeMutablePointer<CChar>?>, _ streams: SpawnStreams
    ) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, streams.stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, streams.stdout, 1)
        if let stderr = streams.stderr { posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal dispositions (we ignore SIGPIPE; it should not).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // Its own process group, so that stopping it also stops what it started (npx → node, sh → …).
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        return posix_spawnp(
            &pid, executable, &actions, &attributes, UnsafeMutablePointer(mutating: argv),
            UnsafeMutablePointer(mutating: environment))
    }

    /// The environment a child inherits when none is given: ours.
    static var inheritedEnvironment: UnsafePointer<UnsafeMutablePointer<CChar>?> { UnsafePointer(environ) }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        Glibc.write(fd, buffer, count)
    }

    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        Glibc.read(fd, buffer, count)
    }
}

/// glibc's `pipe2`, which the Glibc module does not export (it needs `_GNU_SOURCE`).
@_silgen_name("pipe2")
private func linuxPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
#endif
