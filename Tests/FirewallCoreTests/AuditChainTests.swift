import Testing

@testable import FirewallCore

/// A session's lines as the recorder writes them, and the verdicts of every way to tamper with them.
struct AuditChainTests {
    static let key = AuditSigningKey()

    static func time(_ seconds: Double) -> RelayTime { RelayTime(wall: 1_765_000_000 + seconds, monotonic: seconds) }

    static func start() -> AuditEvent {
        .sessionStart(
            .init(
                proxyVersion: "0.1.0", pid: 1, serverArgv: ["server"],
                policy: .init(path: "p.yaml", sha256: String(repeating: "0", count: 64)), environment: "dev",
                payloadLimit: 100))
    }

    static func listed(_ index: Int) -> AuditEvent {
        .toolsListed(.init(tools: ["tool\(index)", "é\u{2028}"], hidden: [], unmatchedRules: []))
    }

    static let end = AuditEvent.sessionEnd(
        .init(reason: "client closed", serverExit: nil, counts: [], durationMilliseconds: 1))

    /// A complete session of `middle` records between its start and end, one batch per record.
    static func session(
        _ id: String = "s1", middle: Int = 5, signer: AuditSigningKey? = nil, ended: Bool = true,
        checkpoints: AuditRecorder.Checkpoints? = nil
    ) -> [[UInt8]] {
        var recorder = AuditRecorder(sessionID: id, signer: signer, checkpoints: checkpoints)
        var lines = recorder.record([start()], at: time(0)).lines
        for index in 0..<middle { lines += recorder.record([listed(index)], at: time(Double(index + 1))).lines }
        if ended { lines += recorder.record([end], at: time(Double(middle + 1))).lines }
        return lines
    }

    static func verify(_ lines: [[UInt8]], key: AuditPublicKey? = nil, anchor: [[UInt8]]? = nil) -> AuditVerification {
        var verifier = AuditVerifier(publicKey: key)
        for (index, line) in lines.enumerated() {
            let complete = line.last == 0x0A
            verifier.read(
                ArraySlice(complete ? line.dropLast() : line[...]), file: "log", line: index + 1, complete: complete)
        }
        for (index, line) in (anchor ?? []).enumerated() {
            verifier.readAnchor(ArraySlice(line.dropLast()), file: "anchor", line: index + 1)
        }
        return verifier.finish()
    }

    static func only(_ verification: AuditVerification) throws -> SessionVerdict {
        try #require(verification.sessions.count == 1)
        return verification.sessions[0]
    }

    @Test func everyRecordEndsWithItsLinksAndStaysOneJSONObject() throws {
        let lines = Self.session()
        var previous = AuditHash.genesis
        for line in lines {
            let value = try JSONParser.parse(Array(line.dropLast()), rules: .document)
            #expect(value["v"] == .number("2"))
            guard case .object(let members) = value else { throw Failure("not an object") }
            #expect(members.suffix(2).map(\.key) == ["prev", "h"])
            let links = try #require(AuditChain.links(of: ArraySlice(line.dropLast())))
            #expect(links.isIntact)
            #expect(links.prev == previous)
            #expect(value["prev"]?.stringValue == previous.description)
            #expect(value["h"]?.stringValue == links.claimed.description)
            previous = links.claimed
        }
    }

    @Test func theHashCoversEveryByteBeforeItsOwnMember() throws {
        let line = Array(Self.session()[1].dropLast())
        let links = try #require(AuditChain.links(of: line[...]))
        for index in stride(from: 0, to: line.count - AuditChain.hashSuffixLength, by: 7) {
            var edited = line
            edited[index] ^= 0x01
            // Either the end no longer parses as links, or the bytes no longer hash to the claim.
            if let tampered = AuditChain.links(of: edited[...]) {
                #expect(!tampered.isIntact || tampered.prev != links.prev)
            }
        }
    }

    @Test func anUnsignedCompleteSessionIsIntactAndSaysWhatThatProves() throws {
        let verification = Self.verify(Self.session())
        let verdict = try Self.only(verification)
        #expect(verdict.status == .intactUnsigned)
        #expect(verdict.detail.contains("a deliberate rewrite is not"))
        #expect(verification.exitCode == 0)
    }

    @Test func aSignedSessionVerifiesWithThePinnedKeyOnly() throws {
        let lines = Self.session(signer: Self.key)
        let events = try lines.map { try JSONParser.parse(Array($0.dropLast()))["event"]?.stringValue }
        #expect(events.first == "session_start" && events[1] == "checkpoint" && events.last == "checkpoint")
        let pinned = try Self.only(Self.verify(lines, key: Self.key.publicKey))
        #expect(pinned.status == .intactSigned)
        #expect(pinned.signedThroughSeq == lines.count - 1)
        #expect(try Self.only(Self.verify(lines)).status == .intactSignatureUnchecked)
        let other = try Self.only(Self.verify(lines, key: AuditSigningKey().publicKey))
        #expect(other.status == .wrongKey)
        #expect(Self.verify(lines, key: AuditSigningKey().publicKey).exitCode == 1)
    }

    @Test func anUnsignedSessionFailsWhenAKeyIsExpected() throws {
        #expect(try Self.only(Self.verify(Self.session(), key: Self.key.publicKey)).status == .unsigned)
    }

    @Test func anEditedRecordIsNamed() throws {
        var lines = Self.session()
        let text = String(decoding: lines[2], as: UTF8.self).replacingOccurrences(of: "tool1", with: "tool9")
        lines[2] = Array(text.utf8)
        let verdict = try Self.only(Self.verify(lines))
        #expect(verdict.status == .edited)
        #expect(verdict.untrustedFromSeq == 3)
        #expect(verdict.location == "log:3")
    }

    @Test func anEditWithEveryHashRecomputedDefeatsTheChainAloneButNotTheSignature() throws {
        for signer in [nil, Self.key] {
            var lines = Self.session(signer: signer)
            // The forger re-seals every record from the edit on (they know the scheme, not the key).
            var head = AuditHash.genesis
            for index in lines.indices {
                var text = String(decoding: lines[index], as: UTF8.self)
                if index == 3 { text = text.replacingOccurrences(of: "tool", with: "TOOL") }
                // …and every checkpoint's `head`, so each commits to the forged record before it.
                if let old = try JSONParser.parse(Array(text.utf8.dropLast()))["head"]?.stringValue {
                    text = text.replacingOccurrences(of: #""head":"\#(old)""#, with: #""head":"\#(head)""#)
                }
                var body = Array(text.utf8.dropLast(AuditChain.prevMemberLength + AuditChain.hashSuffixLength + 1))
                body += Array("}\n".utf8)
                head = AuditChain.seal(&body, after: head)
                lines[index] = body
            }
            let verdict = try Self.only(Self.verify(lines, key: signer?.publicKey))
            #expect(verdict.status == (signer == nil ? .intactUnsigned : .signatureInvalid))
        }
    }

    @Test func aDroppedRecordBreaksTheChain() throws {
        var lines = Self.session()
        lines.remove(at: 2)
        let verdict = try Self.only(Self.verify(lines))
        #expect(verdict.status == .chainBroken)
        #expect(verdict.detail.contains("record 3 is missing"))
    }

    @Test func anInsertedOrDuplicatedRecordBreaksTheChain() throws {
        var lines = Self.session()
        lines.insert(lines[2], at: 4)
        let verdict = try Self.only(Self.verify(lines))
        #expect(verdict.status == .chainBroken)
        #expect(verdict.untrustedFromSeq == 3)
    }

    @Test func reorderedRecordsAreCalledReordered() throws {
        var lines = Self.session()
        lines.swapAt(2, 3)
        let verdict = try Self.only(Self.verify(lines))
        #expect(verdict.status == .chainBroken)
        #expect(verdict.detail.contains("reordered"))
    }

    @Test func aReplacedRecordFromAnotherSessionBreaksTheChain() throws {
        var lines = Self.session()
        // Same session id and seq, from another run: a genuine-looking record that never followed record 1.
        var recorder = AuditRecorder(sessionID: "s1")
        _ = recorder.record([Self.start()], at: Self.time(100))
        let foreign = recorder.record([Self.listed(0)], at: Self.time(101)).lines[0]
        lines[1] = foreign
        let verdict = try Self.only(Self.verify(lines))
        #expect(verdict.status == .chainBroken)
        #expect(verdict.detail.contains("record 2 does not follow record 1"))
    }

    @Test func aCutTailIsIncompleteAndATornLastLineIsACrashNotTampering() throws {
        let lines = Self.session(signer: Self.key)
        let cut = Array(lines.prefix(4))
        let verdict = try Self.only(Self.verify(cut, key: Self.key.publicKey))
        #expect(verdict.status == .incomplete)
        #expect(verdict.signedThroughSeq == 1)
        #expect(Self.verify(cut).exitCode == 2)
        let torn = cut + [Array(lines[4].prefix(30))]
        let verification = Self.verify(torn, key: Self.key.publicKey)
        #expect(try Self.only(verification).status == .incomplete)
        #expect(verification.warnings.first?.contains("cut short") == true)
        #expect(verification.exitCode == 2)
    }

    @Test func aForgedSignatureIsInvalid() throws {
        var lines = Self.session(signer: Self.key)
        let index = try #require(lines.indices.last)
        var text = String(decoding: lines[index], as: UTF8.self)
        let value = try JSONParser.parse(Array(text.utf8.dropLast()))
        let signature = try #require(value["signature"]?.stringValue)
        var bytes = try #require(Base64.decode(signature))
        bytes[0] ^= 0xFF
        text = text.replacingOccurrences(of: signature, with: Base64.encode(bytes))
        var body =
            Array(text.utf8.dropLast(AuditChain.prevMemberLength + AuditChain.hashSuffixLength + 1)) + Array("}\n".utf8)
        let prev = try #require(AuditChain.links(of: ArraySlice(lines[index].dropLast()))).prev
        _ = AuditChain.seal(&body, after: prev)
        lines[index] = body
        #expect(try Self.only(Self.verify(lines, key: Self.key.publicKey)).status == .signatureInvalid)
    }

    @Test func theAnchorShowsACutTailARewriteAndADeletedSession() throws {
        let lines = Self.session(middle: 3, signer: Self.key)
        let anchor = lines.filter { String(decoding: $0, as: UTF8.self).contains(#""event":"checkpoint""#) }
        #expect(anchor.count == 2)
        let whole = try Self.only(Self.verify(lines, key: Self.key.publicKey, anchor: anchor))
        #expect(whole.status == .intactSigned)
        #expect(whole.detail.contains("matches the anchor"))
        // Cut after the start checkpoint: the log alone says incomplete, the anchor says truncated.
        let cut = Self.verify(Array(lines.prefix(3)), key: Self.key.publicKey, anchor: anchor)
        #expect(try Self.only(cut).status == .truncated)
        #expect(cut.exitCode == 1)
        // Rewritten by someone with the key: a different, validly signed log of the same session.
        let forged = Self.session("s1", middle: 4, signer: Self.key)
        #expect(try Self.only(Self.verify(forged, key: Self.key.publicKey)).status == .intactSigned)
        let rewritten = Self.verify(forged, key: Self.key.publicKey, anchor: anchor)
        #expect(try Self.only(rewritten).status == .forked)
        // Deleted: the anchor knows a session no log has.
        let other = Self.session("s2", middle: 1, signer: Self.key)
        let missing = Self.verify(other, key: Self.key.publicKey, anchor: anchor)
        #expect(missing.sessions.map(\.status) == [.intactSigned, .missing])
    }

    @Test func interleavedSessionsAreChainedApart() throws {
        let first = Self.session("a", middle: 3)
        let second = Self.session("b", middle: 4)
        var mixed: [[UInt8]] = []
        for index in 0..<max(first.count, second.count) {
            if index < first.count { mixed.append(first[index]) }
            if index < second.count { mixed.append(second[index]) }
        }
        #expect(Self.verify(mixed).sessions.map(\.status) == [.intactUnsigned, .intactUnsigned])
    }

    @Test func schemaOneLogsAreUnchainedNotTampered() throws {
        let line =
            Array(#"{"v":1,"seq":1,"ts":"2026-01-01T00:00:00.000000Z","session":"old","event":"session_start"}"#.utf8)
            + [0x0A]
        let verification = Self.verify([line])
        #expect(try Self.only(verification).status == .unchained)
        #expect(verification.exitCode == 2)
    }

    @Test func checkpointsComeByCountByTimeWhenIdleAndAsHeartbeats() throws {
        let cadence = AuditRecorder.Checkpoints(records: 3, seconds: 60, idleSeconds: 5, heartbeatSeconds: 900)
        var recorder = AuditRecorder(sessionID: "c", signer: Self.key, checkpoints: cadence)
        func reasons(_ batch: AuditRecorder.Batch) throws -> [String] {
            try batch.checkpoints.map {
                try JSONParser.parse(Array(batch.lines[$0].dropLast()))["reason"]?.stringValue ?? ""
            }
        }
        #expect(try reasons(recorder.record([Self.start()], at: Self.time(0))) == ["start"])
        #expect(recorder.nextCheckpointDeadline == 900)
        var batch = recorder.record([Self.listed(1), Self.listed(2)], at: Self.time(1))
        #expect(batch.checkpoints.isEmpty)
        #expect(recorder.nextCheckpointDeadline == 6)
        batch = recorder.record([Self.listed(3)], at: Self.time(2))
        #expect(try reasons(batch) == ["interval"])
        _ = recorder.record([Self.listed(4)], at: Self.time(3))
        var due = AuditRecorder.Batch()
        recorder.checkpointIfDue(at: Self.time(7), into: &due)
        #expect(due.isEmpty)
        recorder.checkpointIfDue(at: Self.time(8), into: &due)
        #expect(try reasons(due) == ["idle"])
        due = AuditRecorder.Batch()
        recorder.checkpointIfDue(at: Self.time(908), into: &due)
        #expect(try reasons(due) == ["heartbeat"])
        // A steady trickle never goes idle, and still gets signed within `seconds`.
        for second in stride(from: 910.0, to: 975, by: 4) {
            _ = recorder.record([Self.listed(Int(second))], at: Self.time(second))
            due = AuditRecorder.Batch()
            recorder.checkpointIfDue(at: Self.time(second + 2), into: &due)
            if !due.isEmpty {
                #expect(try reasons(due) == ["interval"])
                #expect(second + 2 >= 970)
                break
            }
        }
        #expect(try reasons(recorder.record([Self.end], at: Self.time(1000))) == ["end"])
        #expect(recorder.nextCheckpointDeadline == nil)
    }

    @Test func keysRoundTripThroughPEMAndRejectOtherKinds() throws {
        let key = AuditSigningKey()
        let again = try AuditSigningKey(pem: key.pem)
        #expect(again.publicKey == key.publicKey)
        #expect(try AuditPublicKey(pem: key.publicKey.pem) == key.publicKey)
        #expect(key.pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(throws: AuditKeyError.self) { try AuditSigningKey(pem: key.publicKey.pem) }
        #expect(throws: AuditKeyError.self) {
            try AuditPublicKey(pem: "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n")
        }
        #expect(key.publicKey.keyIDHex.count == 8)
    }

    @Test func base64IsCanonical() {
        for count in 0..<8 {
            let bytes = (0..<count).map { UInt8($0 * 37 & 0xFF) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.decode("QR==") == nil)
        #expect(Base64.decode("QQ==") == [0x41])
        #expect(Base64.decode("QQ=") == nil)
        #expect(Base64.decode("Q=Q=") == nil)
    }

    struct Failure: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }
}
