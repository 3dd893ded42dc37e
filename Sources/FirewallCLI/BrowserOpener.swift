import Foundation
import Logging

/// Opens a URL in the user's browser with `xdg-open` (or `open` on macOS), when found on `PATH`.
enum BrowserOpener {
    static func open(_ url: String, environment: [String: String], logger: Logger) {
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
        process.arguments = [url]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            logger.notice("cannot open the browser", metadata: ["program": "\(program)", "error": "\(error)"])
        }
    }
}
