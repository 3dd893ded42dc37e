import FirewallCore

/// What a `decision` record says about one `tools/call`, read leniently (every field optional).
///
/// The report builds its labels from these facts only, so they can be crafted in tests without a log.
package struct DecisionFacts: Sendable, Hashable {
    /// The rule a decision cites: the pattern that matched, and where it is written.
    package struct RuleReference: Sendable, Hashable {
        /// The name pattern that matched (`update_*`).
        package var name: String?
        /// The policy file.
        package var file: String?
        /// The rule's line in it.
        package var line: Int?

        /// A reference with whatever the record gave.
        package init(name: String? = nil, file: String? = nil, line: Int? = nil) {
            self.name = name
            self.file = file
            self.line = line
        }

        /// "`update_*` (policies/x.yaml:14)", or as much of it as is known.
        package var citation: String {
            let place = file.map { file in line.map { "\(file):\($0)" } ?? file }
            switch (name, place) {
            case (let name?, let place?): return "`\(name)` (\(place))"
            case (let name?, nil): return "`\(name)`"
            case (nil, let place?): return "at \(place)"
            case (nil, nil): return "(unnamed)"
            }
        }

        /// "`update_*`, policies/x.yaml:14": the citation for use inside parentheses.
        package var inlineCitation: String {
            let place = file.map { file in line.map { "\(file):\($0)" } ?? file }
            return [name.map { "`\($0)`" }, place].compactMap { $0 }.joined(separator: ", ")
        }
    }

    /// A remembered approval a decision created (`approval.grant`).
    package struct GrantFacts: Sendable, Hashable {
        /// How long the grant lasts.
        package enum Expiry: Sendable, Hashable {
            /// `expires_at: null`: until the session ends.
            case session
            /// `expires_at`: an RFC 3339 time.
            case at(String)
            /// No `expires_at` in the record.
            case notRecorded
        }

        /// `approval.grant.id`: later decisions cite it as `grant_id`.
        package var id: String?
        /// How long it lasts.
        package var expiry: Expiry
        /// The argument paths later calls must repeat exactly (empty: any arguments).
        package var boundArguments: [String]

        /// Grant facts as given.
        package init(id: String?, expiry: Expiry, boundArguments: [String] = []) {
            self.id = id
            self.expiry = expiry
            self.boundArguments = boundArguments
        }
    }

    /// The tool called.
    package var tool: String
    /// `read`, `write` or `sensitive`, when recorded.
    package var toolClass: ToolClass?
    /// `policy`, `unlisted`, `annotations`, `default`, or a value this reader does not know.
    package var classSource: String?
    /// What the policy said: allow, confirm or deny.
    package var policyDecision: Decision?
    /// What happened: allow or deny.
    package var decision: Decision?
    /// `rule`, `class_default`, `unlisted`, `evaluation_error`, or a value this reader does not know.
    package var decisionSource: String?
    /// The rule the decision cites.
    package var rule: RuleReference?
    /// The rule's `reason:` or the generated explanation.
    package var reason: String?
    /// `decided_by.kind`: `policy`, `human`, `client`, or a future kind.
    package var approverKind: String?
    /// `decided_by.channel`: `policy`, `none`, `terminal`, `elicitation`, `web`, …
    package var approverChannel: String?
    /// `decided_by.identity`: who answered, for a human.
    package var approverIdentity: String?
    /// `decided_by.comment`: what a web or hook approver wrote.
    package var approverComment: String?
    /// `approval.id`: `approval-<call>` of the question; a 2026-07-28 retry cites its first round's.
    package var approvalID: String?
    /// `approval.outcome`: `approved`, `declined`, `timeout`, `cancelled`, `unattended`, `invalid`.
    package var approvalOutcome: String?
    /// `approval.detail`: the readable explanation.
    package var approvalDetail: String?
    /// `approval.unattended`: the setting that applied to an unattended confirmation.
    package var unattendedSetting: String?
    /// `approval.wait_ms`: how long the call was held.
    package var waitMilliseconds: Int?
    /// `approval.grant_id`: allowed without asking, under the remembered approval with this id.
    package var grantID: String?
    /// `approval.grant`: the remembered approval this decision created.
    package var createdGrant: GrantFacts?

    /// Facts as given; everything but the tool is optional.
    package init(
        tool: String, toolClass: ToolClass? = nil, classSource: String? = nil, policyDecision: Decision? = nil,
        decision: Decision? = nil, decisionSource: String? = nil, rule: RuleReference? = nil, reason: String? = nil,
        approverKind: String? = nil, approverChannel: String? = nil, approverIdentity: String? = nil,
        approvalOutcome: String? = nil, approvalDetail: String? = nil, unattendedSetting: String? = nil,
        waitMilliseconds: Int? = nil, approverComment: String? = nil, approvalID: String? = nil,
        grantID: String? = nil, createdGrant: GrantFacts? = nil
    ) {
        self.tool = tool
        self.toolClass = toolClass
        self.classSource = classSource
        self.policyDecision = policyDecision
        self.decision = decision
        self.decisionSource = decisionSource
        self.rule = rule
        self.reason = reason
        self.approverKind = approverKind
        self.approverChannel = approverChannel
        self.approverIdentity = approverIdentity
        self.approvalOutcome = approvalOutcome
        self.approvalDetail = approvalDetail
        self.unattendedSetting = unattendedSetting
        self.waitMilliseconds = waitMilliseconds
        self.approverComment = approverComment
        self.approvalID = approvalID
        self.grantID = grantID
        self.createdGrant = createdGrant
    }

    /// Whether the Approvals section lists this call: writes, sensitive calls and anything that asked for a person.
    package var needsApprovalEntry: Bool {
        toolClass == .write || toolClass == .sensitive || policyDecision == .confirm || approvalOutcome != nil
    }
}
