/// Checks audit logs against their hash chains, checkpoint signatures and, when given, an anchor:
/// one verdict per session. Pure: the caller reads the files and feeds their lines in order.
///
/// Nothing is re-serialised: each record's hash is recomputed over its bytes as stored
/// (`AuditChain.links`). The public key is the one the auditor pinned, never one read from the log.
package struct AuditVerifier: Sendable {
    package let publicKey: AuditPublicKey?
    private var sessions: [String: SessionChain] = [:]
    private var order: [String] = []
    private var anchored: [String: [(seq: Int, hash: AuditHash, line: Int)]] = [:]
    private var anchorOrder: [String] = []
    private var warnings: [String] = []
    private var anchorGiven = false
    /// Records whose hash a seal states, by session: kept while reading so the seal can be checked.
    private var wantedHeads: [String: Set<Int>] = [:]

    package init(publicKey: AuditPublicKey? = nil) {
        self.publicKey = publicKey
    }

    /// Reads one line of a log (without its newline); `complete` is false for a last line that has none.
    package mutating func read(_ line: ArraySlice<UInt8>, file: String, line number: Int, complete: Bool = true) {
        guard !line.isEmpty else { return }
        let record: JSONValue
        do {
            record = try JSONParser.parse(Array(line), rules: .document)
        } catch {
            if !complete {
                warnings.append(
                    "\(file):\(number): the last line is cut short (a crash mid-write, or a proxy still writing)")
            } else {
                warnings.append(
                    "\(file):\(number): not a complete record (a crash mid-write, or damage); its session's chain shows whether a record is missing"
                )
            }
            return
        }
        guard let session = record["session"]?.stringValue, let seq = record["seq"].flatMap(Self.int),
            let event = record["event"]?.stringValue
        else {
            warnings.append("\(file):\(number): not an audit record (no session, seq or event)")
            return
        }
        if sessions[session] == nil {
            var chain = SessionChain(file: file)
            chain.wanted = wantedHeads[session] ?? []
            sessions[session] = chain
            order.append(session)
        }
        sessions[session]!.read(
            record, event: event, seq: seq, links: AuditChain.links(of: line), location: "\(file):\(number)",
            publicKey: publicKey)
    }

    /// Reads one line of an anchor: a checkpoint record copied there as it was written to the log.
    package mutating func readAnchor(_ line: ArraySlice<UInt8>, file: String, line number: Int) {
        anchorGiven = true
        guard !line.isEmpty else { return }
        guard let record = try? JSONParser.parse(Array(line), rules: .document),
            let session = record["session"]?.stringValue, let seq = record["seq"].flatMap(Self.int),
            let links = AuditChain.links(of: line), links.isIntact
        else {
            warnings.append("anchor \(file):\(number): not an intact checkpoint record; ignored")
            return
        }
        if anchored[session] == nil { anchorOrder.append(session) }
        anchored[session, default: []].append((seq, links.claimed, number))
    }

    /// Where each session's chain stands after the logs read so far (what a seal states).
    package var sessionHeads: [AuditSeal.Session] {
        order.map { id in
            let chain = sessions[id]!
            return AuditSeal.Session(session: id, lastSeq: chain.lastSeq, head: chain.lastHash, ended: chain.sawEnd)
        }
    }

    /// Asks to keep the hash of record `seq` of `session` (a seal names it); call before reading logs.
    package mutating func expectHead(session: String, seq: Int) {
        wantedHeads[session, default: []].insert(seq)
    }

    /// What a seal said about a session, against what the logs hold; nil when it matches.
    package func sealProblem(_ sealed: AuditSeal.Session) -> String? {
        guard let chain = sessions[sealed.session] else {
            return
                "session \(sealed.session) (sealed through record \(sealed.lastSeq)) is in no log given: deleted, or a file is missing"
        }
        if chain.lastSeq < sealed.lastSeq {
            return
                "session \(sealed.session) was sealed through record \(sealed.lastSeq), but the logs end at record \(chain.lastSeq): cut"
        }
        if chain.heads[sealed.lastSeq] != sealed.head {
            return "session \(sealed.session)'s record \(sealed.lastSeq) is not the one sealed: rewritten"
        }
        if sealed.ended && !chain.sawEnd {
            return "session \(sealed.session) had ended when sealed, but its end is not in the logs given"
        }
        return nil
    }

    /// The verdicts, sessions in the order they were first seen (anchored sessions missing from the logs last).
    package func finish() -> AuditVerification {
        var verdicts: [SessionVerdict] = []
        for session in order {
            var verdict = sessions[session]!.verdict(session: session, publicKey: publicKey)
            if anchorGiven { verdict.apply(anchor: anchored[session] ?? [], chain: sessions[session]!) }
            verdicts.append(verdict)
        }
        for session in anchorOrder where sessions[session] == nil {
            let last = anchored[session]!.map(\.seq).max() ?? 0
            verdicts.append(
                SessionVerdict(
                    session: session, status: .missing, records: 0, lastSeq: 0,
                    detail:
                        "the anchor holds checkpoints of this session up to record \(last), but no log given has it: deleted, or a file is missing"
                ))
        }
        return AuditVerification(sessions: verdicts, warnings: warnings)
    }

    static func int(_ value: JSONValue) -> Int? {
        guard case .number(let literal) = value else { return nil }
        return Int(literal)
    }
}

/// The outcome of verifying a set of logs.
package struct AuditVerification: Sendable {
    package var sessions: [SessionVerdict]
    /// Lines that are not records (torn by a crash, or damaged), and anchor lines that could not be read.
    package var warnings: [String]
    /// What checking the seals found (`--seal`): nil when none was given.
    package var seal: SealReport?

    /// What `audit verify --seal` found.
    package struct SealReport: Sendable {
        /// Seals read, and the time of the latest.
        package var seals = 0
        package var latest: String?
        /// Every discrepancy: a seal edited, removed or unsigned, a sealed file changed, cut or missing,
        /// a sealed session cut or rewritten. Any of them means tampering.
        package var problems: [String] = []
        /// Whether the seals' signatures were checked against a pinned key.
        package var signaturesChecked = false

        package init() {}
    }

    /// 0 every session intact, 1 any tampered, 2 otherwise any incomplete or unprovable.
    package var exitCode: Int32 {
        if let seal, !seal.problems.isEmpty { return 1 }
        if sessions.contains(where: { $0.status.isTampered }) { return 1 }
        if sessions.contains(where: { !$0.status.isIntact }) { return 2 }
        return 0
    }
}

/// What verification found for one session.
package struct SessionVerdict: Sendable, Hashable {
    package enum Status: String, Sendable {
        /// The chain holds and every record is covered by a signature checked against the pinned key.
        case intactSigned = "intact_signed"
        /// The chain holds; checkpoints are signed but no public key was given to check them.
        case intactSignatureUnchecked = "intact_signature_unchecked"
        /// The chain holds and nothing is signed: accidents are detected, a deliberate rewrite is not.
        case intactUnsigned = "intact_unsigned"
        case edited
        case chainBroken = "chain_broken"
        case signatureInvalid = "signature_invalid"
        /// Signed with a key other than the pinned one.
        case wrongKey = "wrong_key"
        /// A public key was given but the session carries no signature it could check.
        case unsigned
        /// No `session_end` (or no final checkpoint): a crash, a proxy still running, or a cut tail.
        case incomplete
        /// Schema 1 records: written before the chain existed; nothing to verify.
        case unchained
        /// The anchor holds a later checkpoint than the log: the log's tail was cut.
        case truncated
        /// The anchor holds a different record at the same place: the log was rewritten.
        case forked
        /// The anchor knows the session; no log given has it.
        case missing

        package var isTampered: Bool {
            switch self {
            case .edited, .chainBroken, .signatureInvalid, .wrongKey, .unsigned, .truncated, .forked, .missing: true
            default: false
            }
        }

        package var isIntact: Bool {
            self == .intactSigned || self == .intactSignatureUnchecked || self == .intactUnsigned
        }

        /// A few words for people: capitals for tampering, as `audit verify` prints it.
        package var label: String {
            switch self {
            case .intactSigned: "intact, signed"
            case .intactSignatureUnchecked: "intact, signature not checked"
            case .intactUnsigned: "intact, unsigned"
            case .edited: "EDITED"
            case .chainBroken: "CHAIN BROKEN"
            case .signatureInvalid: "SIGNATURE INVALID"
            case .wrongKey: "SIGNED BY ANOTHER KEY"
            case .unsigned: "UNSIGNED"
            case .incomplete: "incomplete"
            case .unchained: "unchained (schema 1)"
            case .truncated: "TRUNCATED"
            case .forked: "REWRITTEN (forked from the anchor)"
            case .missing: "MISSING"
            }
        }

        /// `ok`, `warn` or `bad`: how a report colours it.
        package var tone: String {
            switch self {
            case .intactSigned: "ok"
            case .intactSignatureUnchecked, .intactUnsigned, .incomplete, .unchained: "warn"
            default: "bad"
            }
        }
    }

    package var session: String
    package var status: Status
    package var records: Int
    package var lastSeq: Int
    /// Where the problem is (`file:line`), if there is one.
    package var location: String?
    /// The first record not proven by the chain (records from here on must not be trusted), if any.
    package var untrustedFromSeq: Int?
    /// The highest record covered by a valid checkpoint signature.
    package var signedThroughSeq: Int?
    package var keyID: String?
    package var detail: String

    /// The verdict in one line: label, where, what, and from which record nothing is proven.
    package var headline: String { status.label + explanation }

    /// The headline without its label: ` at file:line: detail (records from k on are not proven)`.
    package var explanation: String {
        var line = ""
        if let location { line += " at \(location)" }
        line += ": \(detail)"
        if let untrustedFromSeq, !status.isIntact { line += " (records from \(untrustedFromSeq) on are not proven)" }
        return line
    }

    package init(
        session: String, status: Status, records: Int, lastSeq: Int, location: String? = nil,
        untrustedFromSeq: Int? = nil, signedThroughSeq: Int? = nil, keyID: String? = nil, detail: String
    ) {
        self.session = session
        self.status = status
        self.records = records
        self.lastSeq = lastSeq
        self.location = location
        self.untrustedFromSeq = untrustedFromSeq
        self.signedThroughSeq = signedThroughSeq
        self.keyID = keyID
        self.detail = detail
    }

    fileprivate mutating func apply(anchor: [(seq: Int, hash: AuditHash, line: Int)], chain: SessionChain) {
        guard !status.isTampered else { return }
        guard !anchor.isEmpty else {
            if chain.anchorNamed != nil {
                detail += "; its checkpoints never reached the anchor given"
            }
            return
        }
        for entry in anchor.sorted(by: { $0.seq < $1.seq }) {
            if entry.seq > chain.lastSeq {
                status = .truncated
                untrustedFromSeq = chain.lastSeq + 1
                detail =
                    "the anchor holds a checkpoint at record \(entry.seq), but the log ends at record \(chain.lastSeq): its tail was cut"
                return
            }
            if chain.checkpointHashes[entry.seq] != entry.hash {
                status = .forked
                untrustedFromSeq = entry.seq
                detail =
                    "record \(entry.seq) is not the checkpoint the anchor holds: the log was rewritten from there on or before"
                return
            }
        }
        let last = anchor.map(\.seq).max() ?? 0
        detail += "; matches the anchor through record \(last)"
    }
}

/// One session's chain as it is read.
private struct SessionChain: Sendable {
    enum Break: Sendable {
        case dropped(from: Int, to: Int)
        case outOfOrder
        case replaced
    }

    let file: String
    var records = 0
    var lastSeq = 0
    var lastHash = AuditHash.genesis
    var versions: Set<Int> = []
    var problem: (status: SessionVerdict.Status, seq: Int, location: String, detail: String)?
    var gap: Break?
    var signedThrough: Int?
    var signedClaims = false
    var uncheckedSignature = false
    var keyID: String?
    var anchorNamed: String?
    var sawEnd = false
    var checkpointAfterEnd = false
    var checkpointHashes: [Int: AuditHash] = [:]
    /// The session's first record given is a rotation's opening: it began in this earlier file.
    var beganIn: String?
    /// The file the session continues in, after a rotation closed the one read last.
    var continuesIn: String?
    /// Records whose hash to keep (a seal names them), and the hashes kept.
    var wanted: Set<Int> = []
    var heads: [Int: AuditHash] = [:]

    init(file: String) {
        self.file = file
    }

    mutating func read(
        _ record: JSONValue, event: String, seq: Int, links: AuditChain.Links?, location: String,
        publicKey: AuditPublicKey?
    ) {
        records += 1
        let version = record["v"].flatMap(AuditVerifier.int) ?? 1
        versions.insert(version)
        guard version >= 2 else {
            lastSeq = max(lastSeq, seq)
            return
        }
        guard let links else {
            flag(.edited, seq, location, "record \(seq) has lost its chain members (`prev`, `h`)")
            lastSeq = max(lastSeq, seq)
            return
        }
        if !links.isIntact {
            flag(.edited, seq, location, "record \(seq) was edited: its bytes do not hash to its `h`")
        }
        let opening = event == "rotation" && record["phase"]?.stringValue == "open"
        let previousFile = record["previous_file"]?.stringValue ?? "(moved by another program)"
        if opening, records == 1, seq > 1 {
            // Only the later files of a rotation set were given: the chain starts here.
            beganIn = previousFile
            lastSeq = seq - 1
            lastHash = links.prev
        } else if opening, seq != lastSeq + 1 || links.prev != lastHash {
            flag(
                .chainBroken, seq, location,
                "the file before this one (\(previousFile)) is missing: records \(lastSeq + 1)–\(seq - 1) are not in the files given"
            )
        }
        if event == "rotation" {
            continuesIn = record["phase"]?.stringValue == "close" ? record["continues_in"]?.stringValue ?? "?" : nil
        }
        if case .dropped(let from, let to) = gap, problem?.status == .chainBroken, (from...to).contains(seq) {
            // A record named missing turned up later: they were reordered, not dropped.
            problem?.detail = "records were reordered: record \(seq) comes after record \(lastSeq)"
            gap = .outOfOrder
        }
        if seq == lastSeq + 1 {
            if links.prev != lastHash {
                flag(
                    .chainBroken, seq, location,
                    seq == 1
                        ? "record 1 does not start a chain"
                        : "record \(seq) does not follow record \(seq - 1): a record was replaced or inserted before it"
                )
            }
        } else if seq > lastSeq + 1 {
            if problem == nil { gap = .dropped(from: lastSeq + 1, to: seq - 1) }
            flag(
                .chainBroken, seq, location,
                seq - 1 == lastSeq + 1
                    ? "record \(lastSeq + 1) is missing (dropped)"
                    : "records \(lastSeq + 1)–\(seq - 1) are missing (dropped)")
        } else {
            if problem == nil { gap = .outOfOrder }
            flag(
                .chainBroken, seq, location,
                "record \(seq) comes after record \(lastSeq): inserted, duplicated or reordered")
        }
        switch event {
        case "session_start":
            keyID = record["chain"]?["key_id"]?.stringValue
            anchorNamed = record["chain"]?["anchor"]?.stringValue
            if keyID != nil { signedClaims = true }
        case "session_end":
            sawEnd = true
        case "checkpoint":
            checkpoint(record, seq: seq, links: links, location: location, publicKey: publicKey)
        default:
            break
        }
        lastSeq = max(lastSeq, seq)
        lastHash = links.claimed
        if wanted.contains(seq) { heads[seq] = links.claimed }
    }

    private mutating func checkpoint(
        _ record: JSONValue, seq: Int, links: AuditChain.Links, location: String, publicKey: AuditPublicKey?
    ) {
        checkpointHashes[seq] = links.claimed
        if sawEnd { checkpointAfterEnd = true }
        guard let headSeq = record["head_seq"].flatMap(AuditVerifier.int),
            let head = record["head"]?.stringValue.flatMap({ AuditHash(hex: $0) }), headSeq == seq - 1,
            head == links.prev
        else {
            flag(.edited, seq, location, "checkpoint \(seq) does not commit to the record before it")
            return
        }
        guard let signature = record["signature"]?.stringValue else {
            if signedClaims {
                flag(
                    .unsigned, seq, location, "checkpoint \(seq) is unsigned in a session whose start says it is signed"
                )
            }
            return
        }
        signedClaims = true
        let claimedKey = record["key_id"]?.stringValue
        guard let publicKey else {
            uncheckedSignature = true
            return
        }
        guard claimedKey == publicKey.keyIDHex else {
            flag(
                .wrongKey, seq, location,
                "checkpoint \(seq) is signed by key \(claimedKey ?? "(none)"), not the pinned key \(publicKey.keyIDHex)"
            )
            return
        }
        guard let session = record["session"]?.stringValue, let time = record["ts"]?.stringValue,
            let bytes = Base64.decode(signature),
            publicKey.isValid(
                signature: bytes,
                for: Array(AuditCheckpointNote.text(session: session, headSeq: headSeq, head: head, time: time).utf8))
        else {
            flag(
                .signatureInvalid, seq, location,
                "checkpoint \(seq)'s signature does not verify with key \(publicKey.keyIDHex)")
            return
        }
        if problem == nil { signedThrough = headSeq }
    }

    private mutating func flag(_ status: SessionVerdict.Status, _ seq: Int, _ location: String, _ detail: String) {
        guard problem == nil else { return }
        problem = (status, seq, location, detail)
    }

    func verdict(session: String, publicKey: AuditPublicKey?) -> SessionVerdict {
        var verdict = SessionVerdict(
            session: session, status: .intactUnsigned, records: records, lastSeq: lastSeq,
            signedThroughSeq: signedThrough, keyID: keyID, detail: "")
        if let problem {
            verdict.status = problem.status
            verdict.location = problem.location
            verdict.untrustedFromSeq = problem.seq
            verdict.detail = problem.detail
            return verdict
        }
        if versions == [1] || versions.isEmpty {
            verdict.status = .unchained
            verdict.detail = "schema 1 records carry no hash chain: nothing can be verified"
            return verdict
        }
        if versions.contains(1) {
            verdict.status = .edited
            verdict.detail = "schema 1 records appear among chained ones"
            return verdict
        }
        if publicKey != nil, signedThrough == nil {
            verdict.status = .unsigned
            verdict.untrustedFromSeq = 1
            verdict.detail = "no checkpoint of this session is signed, but a public key was given"
            return verdict
        }
        if let beganIn {
            verdict.status = .incomplete
            verdict.untrustedFromSeq = 1
            verdict.detail =
                "the session began in an earlier file (\(beganIn)), which was not given: give every file of the set, oldest first"
            return verdict
        }
        if !sawEnd, let continuesIn {
            verdict.status = .incomplete
            verdict.untrustedFromSeq = lastSeq + 1
            verdict.detail = "the session continues in \(continuesIn) after record \(lastSeq), which was not given"
            return verdict
        }
        guard sawEnd else {
            verdict.status = .incomplete
            verdict.untrustedFromSeq = signedThrough.map { $0 + 1 }
            verdict.detail =
                "no session_end after record \(lastSeq): the proxy crashed, is still running, or the log was cut"
                + (signedThrough.map { "; signed through record \($0)" } ?? "")
            return verdict
        }
        if signedClaims && !checkpointAfterEnd {
            verdict.status = .incomplete
            verdict.untrustedFromSeq = (signedThrough ?? 0) + 1
            verdict.detail = "the final checkpoint is missing; records after \(signedThrough ?? 0) are not signed"
            return verdict
        }
        if let signedThrough, publicKey != nil {
            verdict.status = .intactSigned
            verdict.detail =
                "intact; \(records) records, signed through record \(signedThrough) by key \(publicKey!.keyIDHex)"
        } else if uncheckedSignature {
            verdict.status = .intactSignatureUnchecked
            verdict.detail =
                "chain intact; \(records) records; signed by key \(keyID ?? "?"), not checked (give --public-key)"
        } else {
            verdict.detail =
                "chain intact; \(records) records; unsigned: accidents are detected, a deliberate rewrite is not"
        }
        return verdict
    }
}
