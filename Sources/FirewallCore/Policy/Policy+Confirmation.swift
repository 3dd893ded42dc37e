extension Policy {
    /// Whether some call could be decided `confirm`: a class default, a rule, or unlisted tools.
    package var mayConfirm: Bool {
        ToolClass.allCases.contains { defaultDecision(for: $0) == .confirm } || unlisted.decision == .confirm
            || rules.contains { $0.decision == .confirm }
    }

    /// Every approval channel a confirmation could go to, in the policy's order, then those only a
    /// rule's own `approval:` names.
    package var approvalChannelsInUse: [ApprovalSettings.Channel] {
        var channels = approval.channelOrder
        for rule in rules {
            for channel in rule.approval?.channels ?? [] where !channels.contains(channel) { channels.append(channel) }
        }
        return channels
    }
}
