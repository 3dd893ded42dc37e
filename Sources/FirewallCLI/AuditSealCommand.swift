import ArgumentParser
import FirewallCore
import FirewallReport
import Foundation

/// `mcp-firewall audit seal FILE… --signing-key K [--append-to SEALS]`: a signed statement of which
/// audit files exist and where each session's chain stands.
struct AuditSealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract:
            "Sign a digest of audit files and their sessions' chain heads, so rotation and retention can be proven.",
        discussion: """
            A seal lists each file (name, size, SHA-256) and each session (its last record and that record's \
            hash, whether it had ended), signed with an audit key. Appended to a seal file (--append-to), each \
            seal names the one before it, so a removed or edited seal shows. Seal on a schedule (a cron job \
            after rotation, before pruning): `audit verify --seal SEALS FILE…` then proves that no sealed file \
            was changed, cut or deleted and no session cut or rewritten; a file deliberately pruned is one the \
            latest seal no longer lists. Keep the seal file where the proxy's user cannot write.

            Exit codes: 0 written, 1 a file or key could not be read or the seal not written, 64 usage error.
            """
    )

    @Argument(help: "The audit log files to seal (every file still retained).")
    var files: [String]

    @Option(help: ArgumentHelp("The Ed25519 private key (PEM) that signs the seal.", valueName: "PATH"))
    var signingKey: String

    @Option(
        help: ArgumentHelp(
            "Append the seal to this file (created if needed) instead of printing it.", valueName: "SEALS"))
    var appendTo: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one audit log") }
    }

    func run() async throws {
        do {
            let key = try AuditKeyFiles.signingKey(at: signingKey)
            let previous = try appendTo.flatMap { path throws(AuditKeyFiles.Failure) in try Self.lastLine(of: path) }
            let line = try AuditFileVerifier.seal(
                logs: files, key: key, previousLine: previous, time: Date().timeIntervalSince1970)
            if let appendTo {
                try AuditKeyFiles.append(line, to: appendTo)
                print("sealed \(files.count) file(s) into \(appendTo) (key \(key.publicKey.keyIDHex))")
            } else {
                FileHandle.standardOutput.write(Data(line))
            }
        } catch {
            StandardError.write("mcp-firewall: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
    }

    /// The last non-empty line of `path`, nil when the file does not exist or is empty.
    static func lastLine(of path: String) throws(AuditKeyFiles.Failure) -> ArraySlice<UInt8>? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditKeyFiles.Failure(description: "cannot read the seal file \(path)")
        }
        let lines = Array(data).split(separator: 0x0A, omittingEmptySubsequences: true)
        return lines.last
    }
}
