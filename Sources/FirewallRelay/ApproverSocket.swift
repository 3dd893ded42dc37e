import FirewallCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the machine's approver listens, and connecting to it: a Unix domain socket in a folder only
/// this user can use, `$XDG_RUNTIME_DIR/mcp-firewall/approver.sock`, else
/// `/run/user/$UID/mcp-firewall/approver.sock` when that runtime folder is ours, else
/// `/tmp/mcp-firewall-$UID/approver.sock`.
///
/// The fallbacks read nothing from the environment on purpose: MCP SDK clients start servers with only
/// HOME, LOGNAME, PATH, SHELL, TERM and USER, so a proxy they launch has no `XDG_RUNTIME_DIR` (or
/// `TMPDIR`) while the approver, started from a shell or a systemd user unit, has them.
package enum ApproverSocket {
    /// Why the socket's folder cannot be used.
    package struct FolderError: Error, Sendable, CustomStringConvertible {
        package var description: String
    }

    /// The socket's folder for `environment`.
    package static func folder(environment: [String: String]) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return trimmed(runtime) + "/mcp-firewall"
        }
        let userRuntime = "/run/user/\(getuid())"
        var info = stat()
        if lstat(userRuntime, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid() {
            return userRuntime + "/mcp-firewall"
        }
        return "/tmp/mcp-firewall-\(getuid())"
    }

    /// Takes `folder/approver.lock` (an exclusive `flock`, never waited for) and keeps it for the life of
    /// the process: one approver per socket folder, so two started together cannot both bind (binding
    /// removes a stale socket file, which would be the other's). Returns nil when another process holds it.
    package static func takeLock(folder: String) throws(FolderError) -> Int32? {
        let path = folder + "/approver.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FolderError(description: "cannot open \(path): \(Posix.errorText(errno))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let cause = Posix.errorText(errno)
            Posix.close(fd)
            if busy { return nil }
            throw FolderError(description: "cannot lock \(path): \(cause)")
        }
        return fd
    }

    /// The socket's path for `environment`.
    package static func path(environment: [String: String]) -> String {
        folder(environment: environment) + "/approver.sock"
    }

    /// Checks that `folder` is this user's and nobody else's: owned by us, mode without group or other
    /// permissions. With `create`, makes it (mode 0700) when it is missing.
    package static func checkFolder(_ folder: String, create: Bool) throws(FolderError) {
        var info = stat()
        if lstat(folder, &info) != 0 {
            guard create, errno == ENOENT else {
                throw FolderError(description: "\(folder): \(Posix.errorText(errno))")
            }
            guard mkdir(folder, 0o700) == 0 || errno == EEXIST, lstat(folder, &info) == 0 else {
                throw FolderError(description: "cannot create \(folder): \(Posix.errorText(errno))")
            }
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw FolderError(description: "\(folder) is not a folder")
        }
        guard info.st_uid == getuid() else {
            throw FolderError(description: "\(folder) belongs to another user (uid \(info.st_uid)): refusing to use it")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw FolderError(
                description:
                    "\(folder) is open to other users (mode \(String(info.st_mode & 0o777, radix: 8))): run `chmod 700 \(folder)`"
            )
        }
    }

    /// A connected stream socket to `path` (blocking once connected, close-on-exec), or why not. The
    /// connect itself never waits: on Linux a blocking connect to a listener whose accept queue is full
    /// (a suspended approver) waits without end, so it runs non-blocking and a full queue is `EAGAIN`.
    package static func connect(_ path: String) -> Result<Int32, POSIXError> {
        var address = sockaddr_un()
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return .failure(POSIXError(ENAMETOOLONG)) }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return .failure(POSIXError(errno)) }
        #if canImport(Darwin)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var noSignal: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &noSignal, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let error = POSIXError(errno)
            Posix.close(fd)
            return .failure(error)
        }
        _ = fcntl(fd, F_SETFL, flags)
        return .success(fd)
    }

    /// Whether an approver answers on `path` now (its folder checked first): nil when it does, else why not.
    package static func probe(_ path: String) -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try checkFolder(folder, create: false)
        } catch {
            return error.description
        }
        switch connect(path) {
        case .success(let fd):
            Posix.close(fd)
            return nil
        case .failure(let error):
            return "\(path): \(error)"
        }
    }

    private static func trimmed(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}

#if canImport(Glibc)
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    Glibc.connect(fd, address, length)
}
#else
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    Darwin.connect(fd, address, length)
}
#endif
