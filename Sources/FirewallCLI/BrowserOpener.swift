import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a URL in the user's browser with `xdg-open` (or `open` on macOS), when found on `PATH`.
///
/// A URL holding a secret (the approver page's token) is not passed as an argument, which every user
/// of the machine can read in `ps`: `openPrivately` writes a 0600 page that redirects to it, and opens
/// that file instead.
enum BrowserOpener {
    /// Writes a page redirecting to `url` into `folder/name` (mode 0600, replaced atomically), then opens
    /// the file. Returns the file's path, nil when it could not be written.
    @discardableResult
    static func openPrivately(
        _ url: String, folder: String, name: String, environment: [String: String], logger: Logger
    ) -> String? {
        guard let page = redirectPage(to: url) else {
            logger.notice("cannot open the browser: the URL is not a plain http URL")
            return nil
        }
        let path = folder + "/" + name
        let temporary = path + ".partial"
        unlink(temporary)
        let fd = Foundation.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            logger.notice("cannot open the browser: cannot write \(temporary): \(String(cString: strerror(errno)))")
            return nil
        }
        let bytes = Array(page.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            logger.notice("cannot open the browser: cannot write \(path)")
            return nil
        }
        open(path, environment: environment, logger: logger)
        return path
    }

    /// A page that sends the browser to `url` at once; nil for anything but an `http://` URL of plain
    /// characters (it is written into the HTML as it is).
    static func redirectPage(to url: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/[]@%")
        guard url.hasPrefix("http://"), url.allSatisfy({ allowed.contains($0) }) else { return nil }
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=\(url)">
            <title>mcp-firewall approver</title></head>
            <body><p><a href="\(url)">Open the mcp-firewall approver page</a></p></body></html>

            """
    }

    static func open(_ target: String, environment: [String: String], logger: Logger) {
        #if os(macOS)
        let name = "open"
        #else
        let name = "xdg-open"
        #endif
        guard let program = DesktopNotifier.find(name, path: environment["PATH"] ?? "/usr/bin:/bin") else {
            logger.notice("cannot open the browser: \(name) is not on PATH")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = [target]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            logger.notice("cannot open the browser", metadata: ["program": "\(program)", "error": "\(error)"])
        }
    }
}
