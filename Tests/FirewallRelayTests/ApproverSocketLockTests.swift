import FirewallRelay
import FirewallTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One approver per socket folder: the lock is taken without waiting, and a second taker is told.
struct ApproverSocketLockTests {
    @Test func aSecondApproverCannotTakeTheFoldersLock() throws {
        let folder = try TemporaryFolder.make()
        let first = try #require(try ApproverSocket.takeLock(folder: folder))
        #expect(try ApproverSocket.takeLock(folder: folder) == nil, "flock is per open file: the second is refused")
        close(first)
        let again = try #require(try ApproverSocket.takeLock(folder: folder), "released when the holder closes it")
        close(again)
    }
}
