import FirewallRelay

extension ProxyOutcome {
    /// 0, 69 (EX_UNAVAILABLE), 74 (EX_IOERR) or 75 (EX_TEMPFAIL: nobody could confirm a call).
    var exitCode: Int32 {
        switch self {
        case .clientClosed: ExitCodes.success
        case .serverExited: ExitCodes.serverUnavailable
        case .auditFailed: ExitCodes.auditFailed
        case .unattendedFailure: ExitCodes.unattendedFailure
        }
    }
}
