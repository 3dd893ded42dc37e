import ArgumentParser
import FirewallCore
import FirewallReport

/// `mcp-firewall audit verify FILE…`: checks the hash chains, signatures and anchor of audit logs.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that audit logs are as the proxy wrote them: one verdict per session.",
        discussion: """
            Every record carries the hash of the one before it in its session and its own, computed over \
            the bytes as written; checkpoint records sign the chain head when the proxy had a key \
            (--audit-signing-key). Verdicts: intact (signed and checked, signed but unchecked, or \
            unsigned); edited (a record's bytes changed); chain broken (records dropped, inserted or \
            reordered); signature invalid; signed by another key; unsigned although --public-key was \
            given; incomplete (no session end: a crash, a proxy still running, or a cut tail). With \
            --anchor, the checkpoints copied there also show a cut tail (truncated), a rewrite \
            (forked) and a deleted session (missing). Give every file of a rotation set, oldest first.

            Without --public-key nothing stops someone with write access from rewriting a log and \
            recomputing the chain: the chain then detects accidents, not a deliberate rewrite.

            Exit codes: 0 every session intact, 1 any session tampered, 2 any incomplete or unprovable \
            (and none tampered), 64 usage error or unreadable file.
            """
    )

    @Argument(help: "Audit logs (JSONL), oldest first.")
    var files: [String]

    @Option(help: "The public key (PEM) checkpoints must be signed with; unsigned sessions then fail.")
    var publicKey: String?

    @Option(help: "An anchor file the proxy copied its checkpoints to (--audit-anchor); repeatable.")
    var anchor: [String] = []

    @Option(help: "A seal file (`audit seal --append-to`): the files and sessions it lists must be intact; repeatable.")
    var seal: [String] = []

    @Flag(help: "Print the verdicts as JSON.")
    var json = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one audit log") }
    }

    func run() async throws {
        let verification: AuditVerification
        do {
            let key = try publicKey.map { path throws(AuditKeyFiles.Failure) in try AuditKeyFiles.publicKey(at: path) }
            verification = try AuditFileVerifier.verify(logs: files, anchors: anchor, seals: seal, publicKey: key)
        } catch {
            StandardError.write("mcp-firewall: \(error)")
            throw ExitCode(ExitCodes.usage)
        }
        if json {
            print(Self.json(verification))
        } else {
            for line in Self.text(verification) { print(line) }
        }
        throw ExitCode(verification.exitCode)
    }

    static func text(_ verification: AuditVerification) -> [String] {
        var lines: [String] = []
        for verdict in verification.sessions {
            lines.append("\(verdict.session): \(verdict.headline)")
        }
        for warning in verification.warnings { lines.append("warning: \(warning)") }
        if let seal = verification.seal {
            let checked = seal.signaturesChecked ? "signatures checked" : "signatures NOT checked (give --public-key)"
            if seal.problems.isEmpty {
                lines.append("seal: \(seal.seals) seal(s), the latest \(seal.latest ?? "?") holds; \(checked)")
            } else {
                for problem in seal.problems { lines.append("SEAL: \(problem)") }
            }
        }
        let sessions = verification.sessions
        let tampered = sessions.filter { $0.status.isTampered }.count
        let unproven = sessions.filter { !$0.status.isTampered && !$0.status.isIntact }.count
        var summary = "audit verify: \(sessions.count) session(s)"
        if tampered > 0 { summary += ", \(tampered) tampered" }
        if unproven > 0 { summary += ", \(unproven) incomplete or unprovable" }
        if tampered == 0 && unproven == 0 { summary += ", all intact" }
        if let seal = verification.seal, !seal.problems.isEmpty { summary += "; the seal does not hold" }
        lines.append(summary)
        return lines
    }

    static func json(_ verification: AuditVerification) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("exit_code", Int(verification.exitCode))
        writer.key("sessions")
        writer.beginArray()
        for verdict in verification.sessions {
            writer.beginObject()
            writer.field("session", verdict.session)
            writer.field("status", verdict.status.rawValue)
            writer.field("tampered", verdict.status.isTampered)
            writer.field("intact", verdict.status.isIntact)
            writer.field("records", verdict.records)
            writer.field("last_seq", verdict.lastSeq)
            writer.field("location", verdict.location)
            writer.field("untrusted_from_seq", verdict.untrustedFromSeq)
            writer.field("signed_through_seq", verdict.signedThroughSeq)
            writer.field("key_id", verdict.keyID)
            writer.field("detail", verdict.detail)
            writer.endObject()
        }
        writer.endArray()
        if let seal = verification.seal {
            writer.key("seal")
            writer.beginObject()
            writer.field("seals", seal.seals)
            writer.field("latest", seal.latest)
            writer.field("signatures_checked", seal.signaturesChecked)
            writer.field("holds", seal.problems.isEmpty)
            writer.key("problems")
            writer.beginArray()
            for problem in seal.problems { writer.string(problem) }
            writer.endArray()
            writer.endObject()
        }
        writer.key("warnings")
        writer.beginArray()
        for warning in verification.warnings { writer.string(warning) }
        writer.endArray()
        writer.endObject()
        return String(decoding: writer.take(), as: UTF8.self)
    }
}
