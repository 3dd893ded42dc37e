import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A relay that does nothing but copy bytes both ways with one blocking thread per direction: the
/// floor any stdio proxy pays for the two extra pipe hops, measured with the same runtime.
enum BareRelay {
    static func run(_ argv: [String]) -> Never {
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { exit(70) }
        let pid = fork()
        if pid == 0 {
            dup2(toChild[0], 0)
            dup2(fromChild[1], 1)
            for fd in toChild + fromChild { close(fd) }
            let cArgs = argv.map { strdup($0) } + [nil]
            execvp(argv[0], cArgs)
            _exit(127)
        }
        close(toChild[0])
        close(fromChild[1])
        let upstream = toChild[1]
        let up = Thread { copy(from: 0, to: upstream) }
        up.start()
        copy(from: fromChild[0], to: 1)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exit(0)
    }

    private static func copy(from source: Int32, to target: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(target, $0.baseAddress! + offset, count - offset) }
                guard written > 0 else { return }
                offset += written
            }
        }
        close(target)
    }
}
