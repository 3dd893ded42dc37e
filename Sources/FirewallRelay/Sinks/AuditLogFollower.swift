import FirewallCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads an audit log line by line for `mcp-firewall audit tail`, and with `follow` keeps reading as
/// the log grows, woken by the kernel (inotify on Linux), never by polling. Blocking: for a command's
/// own thread.
///
/// A torn last line is held until its newline arrives. When a rotator renames or removes the log, the
/// old file is read to its end and the new file at the path from its start.
package struct AuditLogFollower {
    package let path: String

    package init(path: String) {
        self.path = path
    }

    /// Whether `follow` works on this platform (inotify: Linux only for now).
    package static var canFollow: Bool {
        #if os(Linux)
        true
        #else
        false
        #endif
    }

    /// Calls `body` with each complete line (newline included) until the end of the file, or, with
    /// `follow`, until `body` returns false. Throws when the file cannot be opened or read.
    package func lines(follow: Bool, _ body: (ArraySlice<UInt8>) -> Bool) throws(AuditSinkError) {
        var file = try AuditLogFile(path: path)
        #if os(Linux)
        let watch = follow ? try Watch(path: path) : nil
        #endif
        var offset: Int64 = 0
        var carry: [UInt8] = []
        while true {
            while let chunk = file.read(from: offset, to: offset + 65536), !chunk.isEmpty {
                offset += Int64(chunk.count)
                carry += chunk
                guard let lastNewline = carry.lastIndex(of: 0x0A) else { continue }
                var start = 0
                while let newline = carry[start...lastNewline].firstIndex(of: 0x0A) {
                    guard body(carry[start...newline]) else { return }
                    start = newline + 1
                    if start > lastNewline { break }
                }
                carry.removeSubrange(0..<start)
            }
            guard follow else { return }
            #if os(Linux)
            guard let watch else { return }
            switch watch.next() {
            case .grew:
                continue
            case .replaced:
                // The old file is read to its end above; the path names a new file now.
                guard let next = try? AuditLogFile(path: path), next.identity != file.identity else { continue }
                file = next
                offset = 0
                carry = []
                watch.rewatch(path: path)
            case .failed(let reason):
                throw AuditSinkError("cannot follow \(path): \(reason)")
            }
            #else
            return
            #endif
        }
    }

    #if os(Linux)
    /// An inotify watch on the log and on its folder (to see a new file appear at the path).
    final class Watch {
        enum Change {
            case grew
            case replaced
            case failed(String)
        }

        private let fd: Int32
        private var fileWatch: Int32
        private let folderWatch: Int32
        private let name: String

        init(path: String) throws(AuditSinkError) {
            fd = inotify_init1(Int32(IN_CLOEXEC))
            guard fd >= 0 else { throw AuditSinkError("cannot watch \(path): \(Posix.errorText(errno))") }
            let folder = (path as NSString).deletingLastPathComponent
            name = (path as NSString).lastPathComponent
            fileWatch = inotify_add_watch(fd, path, Self.fileEvents)
            folderWatch = inotify_add_watch(fd, folder.isEmpty ? "." : folder, Self.folderEvents)
            guard fileWatch >= 0, folderWatch >= 0 else {
                let code = errno
                close(fd)
                throw AuditSinkError("cannot watch \(path): \(Posix.errorText(code))")
            }
        }

        deinit { close(fd) }

        static let fileEvents = UInt32(IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB)
        static let folderEvents = UInt32(IN_CREATE | IN_MOVED_TO)

        func rewatch(path: String) {
            inotify_rm_watch(fd, fileWatch)
            fileWatch = inotify_add_watch(fd, path, Self.fileEvents)
        }

        /// Blocks until the log grows or a new file takes its path.
        func next() -> Change {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return .failed(Posix.errorText(errno)) }
                var replaced = false
                var index = 0
                let headerSize = MemoryLayout<inotify_event>.size
                while index + headerSize <= count {
                    let (watch, length) = buffer.withUnsafeBytes { raw -> (Int32, Int) in
                        let event = raw.loadUnaligned(fromByteOffset: index, as: inotify_event.self)
                        return (event.wd, Int(event.len))
                    }
                    if watch == folderWatch, length > 0 {
                        let nameBytes = buffer[(index + headerSize)..<(index + headerSize + length)].prefix { $0 != 0 }
                        if String(decoding: nameBytes, as: UTF8.self) == name { replaced = true }
                    }
                    index += headerSize + length
                }
                return replaced ? .replaced : .grew
            }
        }
    }
    #endif
}
