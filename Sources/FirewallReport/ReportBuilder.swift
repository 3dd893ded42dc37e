import FirewallCore

/// A problem found while reading the inputs, with the file and line it is on.
package struct ReportWarning: Sendable, Hashable, CustomStringConvertible {
    /// The input file (or folder) the problem is in.
    package var file: String
    /// The 1-based line, when the problem is on one.
    package var line: Int?
    /// What is wrong and what the report did about it.
    package var message: String

    /// A warning about `file`, at `line` when there is one.
    package init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: warning: message`.
    package var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): warning: \(message)" }
}

/// Everything a report renders, once the inputs are read.
package struct ReportModel: Sendable {
    /// The report's title.
    package var title: String
    /// The files that were read.
    package var inputs: [String]
    /// The sessions, in order of first appearance.
    package var sessions: [SessionReport]
    /// Problems found while reading, in order.
    package var warnings: [ReportWarning]
    /// Warnings past the limit, counted but not kept.
    package var warningsOmitted: Int
    /// Records read, across all inputs.
    package var records: Int
    /// The patterns that picked the data-access map's entity keys.
    package var entityKeys: [String] = EntityKeys.defaultPatterns
    /// Whether the chains were checked against a pinned public key.
    package var keyPinned = false

    /// Attaches each session's verdict, and marks the approval rows whose records the chain no longer
    /// proves (at or after a break), so nobody reads "approved by" from an edited log unwarned.
    package mutating func apply(_ verification: AuditVerification, keyPinned: Bool) {
        self.keyPinned = keyPinned
        var verdicts: [String: SessionVerdict] = [:]
        for verdict in verification.sessions { verdicts[verdict.session] = verdict }
        for index in sessions.indices where sessions[index].recorder == "mcp-firewall" {
            guard let verdict = verdicts[sessions[index].id] else { continue }
            sessions[index].integrity = verdict
            guard let from = verdict.untrustedFromSeq, !verdict.status.isIntact else { continue }
            for entry in sessions[index].approvals.indices where sessions[index].approvals[entry].seq >= from {
                sessions[index].approvals[entry].unproven = true
            }
        }
    }
}

/// Reads audit records one at a time into session summaries and (for HTML) the timeline spool.
///
/// Memory stays bounded: sessions keep capped lists, the timeline goes to the spool, and the only
/// per-call state is for calls still in flight and for 2026-07-28 questions (both capped).
package final class ReportBuilder {
    /// What the builder remembers about a call between its records (message, decision, result).
    struct CallState {
        var tool: String?
        var toolClass: ToolClass?
        var decision: Decision?
        var approver: String?
        var timeoutMilliseconds: Int?
        /// `approval_requested.approval_id`.
        var approvalID: String?
        /// `approval_requested.racing`.
        var racing: [String] = []
        /// The request's arguments as compact JSON, cut short (for a first round that gets no decision).
        var arguments: String?
    }

    /// A 2026-07-28 first round: the call that asked, and its Approvals entry while it waits for its retry.
    struct Question {
        var call: Int?
        var entry: Int?
        var answeredBy: Int?
    }

    /// The caps on each session's lists.
    package let limits: SessionReport.Limits
    /// The most bytes of detail text (arguments, payloads) kept per timeline event.
    package let detailLimit: Int
    /// The timeline rows, when a timeline is wanted.
    package let spool: TimelineSpool?
    /// The sessions so far.
    package private(set) var sessions: [SessionReport] = []
    /// The problems so far, up to the limit.
    package private(set) var warnings: [ReportWarning] = []
    /// Problems past the limit.
    package private(set) var warningsOmitted = 0
    /// The files read so far.
    package private(set) var inputs: [String] = []
    /// Records read so far.
    package private(set) var records = 0
    /// The first failure to write the spool; reading goes on, and the report fails at the end.
    package private(set) var writeFailure: ByteSink.WriteError?
    var calls: [[Int: CallState]] = []
    /// Per session, the 2026-07-28 questions by approval id (bounded like the calls in flight).
    var questions: [[String: Question]] = []
    var versionNotes: Set<String> = []
    /// The files read as mcp-firewall JSONL logs (their chains are verified), in reading order.
    package private(set) var auditLogFiles: [String] = []

    func noteAuditLog(_ file: String) {
        if !auditLogFiles.contains(file) { auditLogFiles.append(file) }
    }
    private var sessionIndex: [String: Int] = [:]
    private let maxWarnings: Int
    /// The argument keys whose values are entities.
    let entityKeys: EntityKeys
    let maxCallsInFlight = 100_000

    /// A builder; pass `timeline: false` when only the summary is wanted (JSON, Markdown). `entityKeys` picks
    /// the argument keys whose values the data-access map lists.
    package init(
        timeline: Bool, limits: SessionReport.Limits = .init(), entityKeys: EntityKeys = .standard,
        detailLimit: Int = 2048, maxWarnings: Int = 200
    ) {
        self.limits = limits
        self.entityKeys = entityKeys
        self.detailLimit = detailLimit
        self.maxWarnings = maxWarnings
        spool = timeline ? TimelineSpool() : nil
    }

    /// Notes that `file` is being read.
    package func begin(file: String) {
        inputs.append(file)
    }

    /// Records a problem with an input.
    package func warn(_ file: String, line: Int?, _ message: String) {
        guard warnings.count < maxWarnings else {
            warningsOmitted += 1
            return
        }
        warnings.append(ReportWarning(file: file, line: line, message: message))
    }

    /// The finished model.
    package func model(title: String) -> ReportModel {
        ReportModel(
            title: title, inputs: inputs, sessions: sessions, warnings: warnings, warningsOmitted: warningsOmitted,
            records: records, entityKeys: entityKeys.patterns)
    }

    /// The 0-based index of session `id`, created on first sight; notes `file` as one of its sources.
    func session(_ id: String, file: String) -> Int {
        let index: Int
        if let known = sessionIndex[id] {
            index = known
        } else {
            index = sessions.count
            sessionIndex[id] = index
            sessions.append(SessionReport(id: id, index: index + 1))
            calls.append([:])
            questions.append([:])
        }
        if sessions[index].sources.last != file, !sessions[index].sources.contains(file) {
            sessions[index].sources.append(file)
        }
        return index
    }

    /// What is known about call `number` of `session`.
    func callState(_ session: Int, _ number: Int?) -> CallState? {
        number.flatMap { calls[session][$0] }
    }

    /// Updates what is known about a call; calls in flight are capped (the oldest knowledge is dropped).
    func updateCall(_ session: Int, _ number: Int?, _ update: (inout CallState) -> Void) {
        guard let number else { return }
        if calls[session].count >= maxCallsInFlight, calls[session][number] == nil { calls[session].removeAll() }
        update(&calls[session][number, default: CallState()])
    }

    /// Forgets a finished call.
    func finishCall(_ session: Int, _ number: Int?) {
        guard let number else { return }
        calls[session][number] = nil
    }

    /// Counts a record and adds its timeline row.
    func emit(_ event: TimelineEvent) {
        records += 1
        guard let spool, writeFailure == nil else { return }
        do {
            try spool.append(event)
        } catch {
            writeFailure = error
        }
    }

    /// Entities in a call's arguments: the string or number values (or list elements) under keys that
    /// `entityKeys` matches.
    func entities(in arguments: RecordFields?) -> [(key: String, value: String)] {
        guard let arguments else { return [] }
        var found: [(String, String)] = []
        for member in arguments.members {
            guard entityKeys.matches(member.key) else { continue }
            let buffer = arguments.buffer
            if let text = RecordFields.string(in: buffer, member.value)
                ?? RecordFields.numberLiteral(
                    in: buffer, member.value)
            {
                if !text.isEmpty { found.append((member.key, SafeText.capped(text, limit: 120))) }
            } else if let elements = try? JSONParser.elements(buffer, in: member.value, rules: .document) {
                for element in elements.prefix(20) {
                    let text =
                        RecordFields.string(in: buffer, element) ?? RecordFields.numberLiteral(in: buffer, element)
                    if let text, !text.isEmpty { found.append((member.key, SafeText.capped(text, limit: 120))) }
                }
            }
        }
        return found
    }

    /// Adds a decided call to its session: tallies, the Approvals entry and the data-access map.
    /// `racing` and `askedOnCall` come from other records: the call's `approval_requested`, and the first round
    /// of a 2026-07-28 confirmation.
    func account(
        _ facts: DecisionFacts, label: ApprovalLabel, session: Int, call: Int?, seq: Int, timestamp: String,
        arguments: RecordFields?, argumentsText: String, racing: [String] = [], askedOnCall: Int? = nil
    ) {
        sessions[session].count(decision: facts, limits: limits)
        if facts.needsApprovalEntry {
            sessions[session].add(
                approval: SessionReport.ApprovalEntry(
                    call: call, seq: seq, timestamp: timestamp, tool: facts.tool, toolClass: facts.toolClass,
                    label: label, reason: facts.reason, arguments: SafeText.capped(argumentsText, limit: 200),
                    approvalID: facts.approvalID, grantID: facts.grantID, createdGrant: facts.createdGrant,
                    comment: facts.approverComment.map { SafeText.capped($0, limit: 2048) }, racing: racing,
                    askedOnCall: askedOnCall),
                limits: limits)
        }
        for (key, value) in entities(in: arguments) {
            sessions[session].access(
                key: key, value: value, tool: facts.tool, toolClass: facts.toolClass, allowed: facts.decision != .deny,
                limits: limits)
        }
    }

    /// Counts a result against the session.
    func account(result outcome: String, isError: Bool, tool: String?, session: Int) {
        sessions[session].results.add(outcome)
        if isError, let tool { sessions[session].countError(tool: tool, limits: limits) }
    }

    /// Applies `update` to session `index`.
    func updateSession(_ index: Int, _ update: (inout SessionReport) -> Void) {
        update(&sessions[index])
    }
}
