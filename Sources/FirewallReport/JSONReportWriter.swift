import FirewallCore

/// Writes the computed summary as one JSON document, for other tools (`--format json`).
///
/// Optional facts that are unknown are left out, as in the audit log (where, as there, `expires_at: null` means
/// a remembered approval lasts until the session ends); lists carry an `…_omitted` count when they hit their limit.
package struct JSONReportWriter {
    /// What the document describes.
    package var model: ReportModel

    /// A writer of `model`.
    package init(model: ReportModel) {
        self.model = model
    }

    /// The document's bytes, ending with a newline.
    package func render() -> [UInt8] {
        var writer = JSONWriter(capacity: 64 * 1024)
        writer.beginObject()
        writer.field("title", model.title)
        writer.key("inputs")
        strings(model.inputs, &writer)
        writer.field("records", model.records)
        writer.key("warnings")
        writer.beginArray()
        for warning in model.warnings {
            writer.beginObject()
            writer.field("file", warning.file)
            writer.field("line", warning.line)
            writer.field("message", warning.message)
            writer.endObject()
        }
        writer.endArray()
        writer.field("warnings_omitted", model.warningsOmitted)
        writer.key("sessions")
        writer.beginArray()
        for session in model.sessions { write(session, &writer) }
        writer.endArray()
        writer.endObject()
        return writer.bytes + [0x0A]
    }

    private func strings(_ items: [String], _ writer: inout JSONWriter) {
        writer.beginArray()
        for item in items { writer.string(item) }
        writer.endArray()
    }

    private func tally(_ name: StaticString, _ tally: Tally, _ writer: inout JSONWriter) {
        writer.key(name)
        writer.beginObject()
        for entry in tally.entries {
            writer.dynamicKey(entry.name)
            writer.int(entry.count)
        }
        writer.endObject()
    }

    /// The approval facts beyond the label: ids, comment, racing channels, the grant, the two-round link.
    private func write(links entry: SessionReport.ApprovalEntry, _ writer: inout JSONWriter) {
        writer.field("approval_id", entry.approvalID)
        writer.field("grant_id", entry.grantID)
        writer.field("comment", entry.comment)
        if !entry.racing.isEmpty {
            writer.key("racing")
            strings(entry.racing, &writer)
        }
        if let grant = entry.createdGrant {
            writer.key("grant_created")
            writer.beginObject()
            writer.field("id", grant.id)
            switch grant.expiry {
            case .session:
                writer.key("expires_at")
                writer.null()
            case .at(let time): writer.field("expires_at", time)
            case .notRecorded: break
            }
            writer.key("arguments")
            strings(grant.boundArguments, &writer)
            writer.endObject()
        }
        writer.field("asked_on_call", entry.askedOnCall)
        writer.field("answered_by_call", entry.answeredByCall)
    }

    private func write(_ session: SessionReport, _ writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", session.id)
        writer.field("recorder", session.recorder)
        writer.key("sources")
        strings(session.sources, &writer)
        writer.field("records", session.records)
        if let verdict = session.integrity {
            writer.key("integrity")
            writer.beginObject()
            writer.field("status", verdict.status.rawValue)
            writer.field("intact", verdict.status.isIntact)
            writer.field("tampered", verdict.status.isTampered)
            writer.field("detail", verdict.headline)
            writer.field("untrusted_from_seq", verdict.untrustedFromSeq)
            writer.field("signed_through_seq", verdict.signedThroughSeq)
            writer.field("key_id", verdict.keyID)
            writer.endObject()
        }
        writer.field("started", session.firstTimestamp)
        writer.field("last_record", session.lastTimestamp)
        if !session.serverArgv.isEmpty {
            writer.key("server_argv")
            strings(session.serverArgv, &writer)
        }
        if session.policyPath != nil || session.policySHA256 != nil {
            writer.key("policy")
            writer.beginObject()
            writer.field("path", session.policyPath)
            writer.field("sha256", session.policySHA256)
            writer.endObject()
        }
        writer.field("environment", session.environment)
        writer.field("era", session.era)
        writer.field("protocol_version", session.protocolVersion)
        writer.field("client_name", session.clientName)
        writer.field("client_version", session.clientVersion)
        writer.field("server_name", session.serverName)
        writer.field("server_version", session.serverVersion)
        writer.field("end_reason", session.endReason)
        writer.field("server_exit", session.serverExit)
        writer.key("counts")
        writer.beginObject()
        tally("class", session.classes, &writer)
        tally("decision", session.decisions, &writer)
        tally("policy_decision", session.policyDecisions, &writer)
        tally("decided_by", session.approvers, &writer)
        tally("result", session.results, &writer)
        tally("approval_label", session.labelKinds, &writer)
        writer.field("rejections", session.rejections)
        writer.endObject()
        writer.key("approvals")
        writer.beginArray()
        for entry in session.approvals {
            writer.beginObject()
            writer.field("call", entry.call)
            writer.field("seq", entry.seq)
            if entry.unproven { writer.field("unproven", true) }
            writer.field("ts", entry.timestamp)
            writer.field("tool", entry.tool)
            writer.field("class", entry.toolClass?.rawValue)
            writer.field("label_kind", entry.label.kind.name)
            writer.field("label", entry.label.text)
            writer.field("reason", entry.reason)
            writer.field("arguments", entry.arguments)
            write(links: entry, &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.field("approvals_omitted", session.approvalsOmitted)
        writer.key("tools")
        writer.beginArray()
        for tool in session.tools {
            writer.beginObject()
            writer.field("name", tool.name)
            writer.field("class", tool.toolClass?.rawValue)
            writer.field("class_source", tool.classSource)
            writer.field("calls", tool.calls)
            writer.field("allowed", tool.allowed)
            writer.field("denied", tool.denied)
            writer.field("confirmations", tool.confirmations)
            writer.field("errors", tool.errors)
            writer.endObject()
        }
        writer.endArray()
        writer.key("entities")
        writer.beginArray()
        for entity in session.entities {
            writer.beginObject()
            writer.field("value", entity.value)
            writer.field("key", entity.key)
            writer.key("tools")
            writer.beginArray()
            for access in entity.accesses {
                writer.beginObject()
                writer.field("tool", access.tool)
                writer.field("class", access.toolClass?.rawValue)
                writer.field("allowed", access.allowed)
                writer.field("denied", access.denied)
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.field("entities_omitted", session.entitiesOmitted)
        writer.endObject()
    }
}
