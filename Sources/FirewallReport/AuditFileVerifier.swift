import Crypto
import FirewallCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif

/// Runs `AuditVerifier` over files: the logs in the order given (a session may go on in a later
/// file), then the anchors.
package enum AuditFileVerifier {
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    package static func verify(
        logs: [String], anchors: [String] = [], seals: [String] = [], publicKey: AuditPublicKey? = nil
    ) throws(Failure) -> AuditVerification {
        var verifier = AuditVerifier(publicKey: publicKey)
        var report: AuditVerification.SealReport?
        var latest: AuditSeal?
        if !seals.isEmpty {
            var sealReport = AuditVerification.SealReport()
            sealReport.signaturesChecked = publicKey != nil
            for path in seals {
                var previous: ArraySlice<UInt8>?
                try read(path) { line, number, _ in
                    guard !line.isEmpty else { return }
                    switch AuditSeal.read(line, key: publicKey) {
                    case .failure(let failure):
                        sealReport.problems.append("\(path):\(number): \(failure)")
                    case .success(let (seal, valid)):
                        sealReport.seals += 1
                        if valid == false {
                            sealReport.problems.append(
                                "\(path):\(number): the seal's signature does not verify with key \(publicKey?.keyIDHex ?? "")"
                            )
                        }
                        let expected = previous.map(AuditSeal.digest(of:))
                        if seal.previousSeal != expected {
                            sealReport.problems.append(
                                "\(path):\(number): this seal does not follow the one before it: a seal was removed, edited or inserted"
                            )
                        }
                        previous = line
                        latest = seal
                        sealReport.latest = seal.sealedAt
                    }
                }
            }
            for session in latest?.sessions ?? [] {
                verifier.expectHead(session: session.session, seq: session.lastSeq)
            }
            report = sealReport
        }
        for path in logs {
            try read(path) { line, number, complete in
                verifier.read(line, file: path, line: number, complete: complete)
            }
        }
        for path in anchors {
            try read(path) { line, number, _ in verifier.readAnchor(line, file: path, line: number) }
        }
        var verification = verifier.finish()
        if var report, let latest {
            for file in latest.files {
                guard let path = logs.first(where: { baseName($0) == file.name }) else {
                    report.problems.append(
                        "\(file.name), sealed at \(latest.sealedAt), is missing from the files given")
                    continue
                }
                let (size, digest) = try hash(path, limit: file.size)
                if size < file.size {
                    report.problems.append("\(file.name) was \(file.size) bytes when sealed and is \(size) now: cut")
                } else if digest != file.sha256 {
                    report.problems.append("\(file.name)'s first \(file.size) bytes changed since it was sealed")
                }
            }
            for session in latest.sessions {
                if let problem = verifier.sealProblem(session) { report.problems.append(problem) }
            }
            verification.seal = report
        } else if var report {
            report.problems.append("no seal could be read from \(seals.joined(separator: ", "))")
            verification.seal = report
        }
        return verification
    }

    /// A seal of `logs` (their sizes and digests, each session's chain head), signed with `key`,
    /// following `previousLine` (the last line of the seal file it will be appended to).
    package static func seal(
        logs: [String], key: AuditSigningKey, previousLine: ArraySlice<UInt8>?, time: Double
    ) throws(Failure) -> [UInt8] {
        var verifier = AuditVerifier()
        var files: [AuditSeal.File] = []
        for path in logs {
            try read(path) { line, number, complete in
                verifier.read(line, file: path, line: number, complete: complete)
            }
            let (size, digest) = try hash(path, limit: nil)
            files.append(AuditSeal.File(name: baseName(path), size: size, sha256: digest))
        }
        let seal = AuditSeal(
            sealedAt: AuditTimestamp.format(time), previousSeal: previousLine.map(AuditSeal.digest(of:)), files: files,
            sessions: verifier.sessionHeads, keyID: key.publicKey.keyIDHex)
        return seal.line(signedWith: key)
    }

    static func baseName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

    /// The size of `path` (up to `limit`) and the SHA-256 of those bytes.
    static func hash(_ path: String, limit: Int?) throws(Failure) -> (size: Int, sha256: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var hasher = SHA256()
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while limit.map({ total < $0 }) ?? true {
            let want = min(buffer.count, limit.map { $0 - total } ?? buffer.count)
            let got = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress!, want) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else {
                throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            hasher.update(data: buffer[..<got])
            total += got
        }
        return (total, hasher.finalize().hexString)
    }

    /// Calls `body` with each line of `path`, byte for byte (a `\r` is kept: the hash decides).
    static func read(_ path: String, _ body: (ArraySlice<UInt8>, Int, Bool) -> Void) throws(Failure) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var reader = LineReader(descriptor: descriptor, keepsCarriageReturns: true)
        var oversized: Int?
        reader.forEach { line in
            if line.oversized {
                oversized = oversized ?? line.number
                return true
            }
            body(ArraySlice(line.bytes), line.number, line.terminated)
            return true
        }
        if reader.failure != 0 {
            throw Failure(description: "cannot read \(path): \(String(cString: strerror(reader.failure)))")
        }
        if let oversized {
            throw Failure(description: "\(path):\(oversized): a line longer than 256 MiB; this is not an audit log")
        }
    }
}
