import FirewallClient
import FirewallCore
import Foundation
import Testing

/// `audit keygen`, a proxy signing its checkpoints and copying them to an anchor, and `audit verify`
/// over the log it wrote: intact with the key, and each kind of damage named with its exit code.
@Suite(.timeLimit(.minutes(1)))
struct AuditVerifyEndToEndTests {
    @Test func aSignedAnchoredSessionVerifiesAndDamageIsNamed() async throws {
        let folder = try E2E.temporaryFolder()
        let keygen = try Shell.output([E2E.binary, "audit", "keygen", folder + "/audit"])
        #expect(keygen.status == 0, "\(keygen.output)")
        #expect(try Shell.output([E2E.binary, "audit", "keygen", folder + "/audit"]).status != 0, "never overwrites")
        let argv = try E2E.proxyArgv(
            folder: folder, policy: E2E.hrPolicy,
            extra: ["--audit-signing-key", folder + "/audit.key", "--audit-anchor", folder + "/anchor.jsonl"])
        let status = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            _ = await E2E.callTool(client, id: 1, "get_employee", [.string("employee_id", "E-1001")])
            return await client.close()
        }
        #expect(status == .exited(0))
        let log = folder + "/audit.jsonl"
        let records = try E2E.auditRecords(folder)
        #expect(records.first?["chain"]?["key_id"]?.stringValue?.count == 8)
        let checkpoints = E2E.records(records, event: "checkpoint")
        #expect(checkpoints.map { $0["reason"]?.stringValue }.first == "start")
        #expect(checkpoints.last?["reason"]?.stringValue == "end")
        let anchor = try String(contentsOfFile: folder + "/anchor.jsonl", encoding: .utf8)
        #expect(anchor.split(separator: "\n").count == checkpoints.count)

        let verify = { (files: [String], extra: [String]) throws -> (status: Int32, output: String) in
            try Shell.output([E2E.binary, "audit", "verify"] + files + extra)
        }
        let pinned = ["--public-key", folder + "/audit.pub", "--anchor", folder + "/anchor.jsonl"]
        let good = try verify([log], pinned)
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains("intact, signed"))
        let unchecked = try verify([log], [])
        #expect(unchecked.status == 0)
        #expect(unchecked.output.contains("not checked"))

        // Edited: one byte of a record changed.
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let edited = folder + "/edited.jsonl"
        try text.replacingOccurrences(of: "E-1001", with: "E-1002").write(
            toFile: edited, atomically: true, encoding: .utf8)
        let editedResult = try verify([edited], pinned + ["--json"])
        #expect(editedResult.status == 1)
        let json = try JSONParser.parse(Array(editedResult.output.utf8))
        if case .array(let sessions) = json["sessions"] {
            #expect(sessions.first?["status"]?.stringValue == "edited")
        } else {
            Issue.record("no sessions in \(editedResult.output)")
        }
        // Truncated: the last three lines cut; the log alone says incomplete, the anchor says truncated.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let cut = folder + "/cut.jsonl"
        try (lines.dropLast(3).joined(separator: "\n") + "\n").write(toFile: cut, atomically: true, encoding: .utf8)
        #expect(try verify([cut], ["--public-key", folder + "/audit.pub"]).status == 2)
        let truncated = try verify([cut], pinned)
        #expect(truncated.status == 1)
        #expect(truncated.output.contains("TRUNCATED"), "\(truncated.output)")
        // Another key pinned.
        _ = try Shell.output([E2E.binary, "audit", "keygen", folder + "/other"])
        let wrong = try verify([log], ["--public-key", folder + "/other.pub"])
        #expect(wrong.status == 1)
        #expect(wrong.output.contains("SIGNED BY ANOTHER KEY"))
    }

    @Test func aSigningKeyOthersCanReadIsRefusedAtStart() throws {
        let folder = try E2E.temporaryFolder()
        _ = try Shell.output([E2E.binary, "audit", "keygen", folder + "/k"])
        chmod(folder + "/k.key", 0o644)
        let argv = try E2E.proxyArgv(
            folder: folder, policy: E2E.hrPolicy, extra: ["--audit-signing-key", folder + "/k.key"])
        let result = try Shell.output(argv)
        #expect(result.status == 1)
        #expect(result.output.contains("chmod 600"), "\(result.output)")
    }
}

/// The shipped test vectors (`examples/audit-vectors/`): each log gets the verdict and exit code
/// `expected.json` states, from the built binary.
struct AuditVectorTests {
    @Test func everyVectorGetsItsStatedVerdict() throws {
        let folder = E2E.repositoryRoot + "/examples/audit-vectors"
        let data = try #require(FileManager.default.contents(atPath: folder + "/expected.json"))
        guard case .array(let cases) = try JSONParser.parse(Array(data)) else {
            Issue.record("expected.json is not an array")
            return
        }
        #expect(cases.count >= 10)
        for entry in cases {
            let log = try #require(entry["log"]?.stringValue)
            guard case .array(let args) = entry["args"] else { continue }
            let extra = args.compactMap(\.stringValue).map {
                $0.hasSuffix(".pub") || $0.hasSuffix(".jsonl") ? folder + "/" + $0 : $0
            }
            let result = try Shell.output([E2E.binary, "audit", "verify", folder + "/" + log, "--json"] + extra)
            let verdict = try JSONParser.parse(Array(result.output.utf8))
            guard case .array(let sessions) = verdict["sessions"] else {
                Issue.record("\(log): no sessions in \(result.output)")
                continue
            }
            #expect(sessions.first?["status"]?.stringValue == entry["status"]?.stringValue, "\(log) \(extra)")
            #expect(Int(result.status) == Int(entry["exit"]?.doubleValue ?? -1), "\(log) \(extra)")
        }
    }
}

/// Rotation inside a session: by size the proxy archives the file and goes on in a new one; on SIGHUP
/// it reopens a file another program moved. The chain runs across the files, and `audit verify` over
/// the whole set says intact, over part of it says which file is missing.
@Suite(.timeLimit(.minutes(1)))
struct AuditRotationEndToEndTests {
    static func files(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            $0.hasPrefix("audit-") && $0.hasSuffix(".jsonl")
        }.sorted().map { folder + "/" + $0 }
    }

    @Test func bySizeTheChainRunsAcrossFilesAndAMissingOneIsNamed() async throws {
        let folder = try E2E.temporaryFolder()
        _ = try Shell.output([E2E.binary, "audit", "keygen", folder + "/k"])
        let argv = try E2E.proxyArgv(
            folder: folder, policy: E2E.hrPolicy,
            extra: ["--audit-rotate-bytes", "4096", "--audit-signing-key", folder + "/k.key"])
        let status = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            for id in 1...6 {
                _ = await E2E.callTool(client, id: id, "get_employee", [.string("employee_id", "E-1001")])
            }
            return await client.close()
        }
        #expect(status == .exited(0))
        let archived = try Self.files(folder)
        #expect(archived.count >= 2, "\(archived)")
        let set = archived + [folder + "/audit.jsonl"]
        let key = ["--public-key", folder + "/k.pub"]
        let whole = try Shell.output([E2E.binary, "audit", "verify"] + set + key)
        #expect(whole.status == 0, "\(whole.output)")
        #expect(whole.output.contains("intact, signed"))
        let newest = try Shell.output([E2E.binary, "audit", "verify", folder + "/audit.jsonl"] + key)
        #expect(newest.status == 2)
        #expect(newest.output.contains("began in an earlier file"), "\(newest.output)")
        let holed = try Shell.output([E2E.binary, "audit", "verify"] + [set[0]] + set.dropFirst(2) + key)
        #expect(holed.status == 1)
        #expect(holed.output.contains("is missing"), "\(holed.output)")
        let oldest = try Shell.output([E2E.binary, "audit", "verify", set[0]] + key)
        #expect(oldest.status == 2)
        #expect(oldest.output.contains("continues in audit.jsonl"), "\(oldest.output)")
    }

    @Test func aSealProvesWhichFilesAndSessionsExistAndNothingWasCut() async throws {
        let folder = try E2E.temporaryFolder()
        _ = try Shell.output([E2E.binary, "audit", "keygen", folder + "/k"])
        let argv = try E2E.proxyArgv(
            folder: folder, policy: E2E.hrPolicy,
            extra: ["--audit-rotate-bytes", "4096", "--audit-signing-key", folder + "/k.key"])
        _ = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            for id in 1...6 {
                _ = await E2E.callTool(client, id: id, "get_employee", [.string("employee_id", "E-1001")])
            }
            return await client.close()
        }
        let set = try Self.files(folder) + [folder + "/audit.jsonl"]
        #expect(set.count >= 3)
        let seals = folder + "/seals.jsonl"
        let sign = ["--signing-key", folder + "/k.key", "--append-to", seals]
        #expect(try Shell.output([E2E.binary, "audit", "seal"] + set + sign).status == 0)
        #expect(try Shell.output([E2E.binary, "audit", "seal"] + set + sign).status == 0)
        let check = ["--seal", seals, "--public-key", folder + "/k.pub"]
        let held = try Shell.output([E2E.binary, "audit", "verify"] + set + check)
        #expect(held.status == 0, "\(held.output)")
        #expect(held.output.contains("the latest"), "\(held.output)")
        #expect(held.output.contains("intact, signed"))
        let unpinned = try Shell.output([E2E.binary, "audit", "verify", "--seal", seals] + set)
        #expect(unpinned.status == 0, "\(unpinned.output)")
        #expect(unpinned.output.contains("signatures NOT checked"))
        // A sealed file deleted: named, even though the chain alone would only say "began earlier".
        let pruned = try Shell.output([E2E.binary, "audit", "verify", "--seal", seals] + set.dropFirst())
        #expect(pruned.status == 1)
        #expect(pruned.output.contains("is missing from the files given"), "\(pruned.output)")
        // A sealed file's bytes changed.
        let copy = folder + "/copy"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        var copies: [String] = []
        for path in set {
            let target = copy + "/" + (path.split(separator: "/").last.map(String.init) ?? "")
            try FileManager.default.copyItem(atPath: path, toPath: target)
            copies.append(target)
        }
        let text = try String(contentsOfFile: copies[0], encoding: .utf8)
        let edited = text.replacingOccurrences(of: #""event":"session_start""#, with: #""event":"session_stArt""#)
        #expect(edited != text)
        try edited.write(toFile: copies[0], atomically: true, encoding: .utf8)
        let changed = try Shell.output([E2E.binary, "audit", "verify", "--seal", seals] + copies)
        #expect(changed.status == 1)
        #expect(changed.output.contains("changed since it was sealed"), "\(changed.output)")
        // A seal removed from the seal file: the next one no longer follows.
        let lines = try String(contentsOfFile: seals, encoding: .utf8).split(separator: "\n")
        let trimmed = folder + "/trimmed.jsonl"
        try (lines.dropFirst().joined(separator: "\n") + "\n").write(toFile: trimmed, atomically: true, encoding: .utf8)
        let removed = try Shell.output([E2E.binary, "audit", "verify", "--seal", trimmed] + set)
        #expect(removed.status == 1)
        #expect(removed.output.contains("does not follow the one before it"), "\(removed.output)")
        // Sealed with another key than the pinned one.
        _ = try Shell.output([E2E.binary, "audit", "keygen", folder + "/other"])
        let wrongKey = try Shell.output(
            [E2E.binary, "audit", "verify", "--seal", seals, "--public-key", folder + "/other.pub"] + set)
        #expect(wrongKey.status == 1)
        #expect(wrongKey.output.contains("signature does not verify"), "\(wrongKey.output)")
    }

    @Test func sighupReopensAFileAnotherProgramMoved() async throws {
        let folder = try E2E.temporaryFolder()
        let argv = try E2E.proxyArgv(folder: folder, policy: E2E.hrPolicy)
        let log = folder + "/audit.jsonl"
        let moved = folder + "/audit.jsonl.1"
        let status = try await StdioClient.with(argv: argv) { client in
            try await E2E.initialize(client)
            _ = await E2E.callTool(client, id: 1, "get_employee", [.string("employee_id", "E-1001")])
            #expect(rename(log, moved) == 0)
            kill(client.process.pid, SIGHUP)
            // The reopen happens at the next batch: a call makes one, and its answer comes after it.
            var reopened = false
            for id in 2...50 where !reopened {
                _ = await E2E.callTool(client, id: id, "get_employee", [.string("employee_id", "E-1001")])
                reopened = FileManager.default.fileExists(atPath: log)
            }
            #expect(reopened)
            return await client.close()
        }
        #expect(status == .exited(0))
        let both = try Shell.output([E2E.binary, "audit", "verify", moved, log])
        #expect(both.status == 0, "\(both.output)")
        let closing = try String(contentsOfFile: moved, encoding: .utf8)
        #expect(closing.contains(#""event":"rotation""#) && closing.contains(#""reason":"reopen""#))
    }
}
