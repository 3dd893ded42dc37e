/// What this binary is: the version, and the commit it was built from when a release build recorded
/// it (`scripts/build-release.sh` fills `commit` in for the build and puts this file back after).
enum BuildInfo {
    static let version = "0.1.0"
    static let commit: String? = nil

    /// `0.1.0 (commit 1a2b3c4d5e6f)`, or `0.1.0 (development build)`.
    static var versionText: String {
        "\(version) (\(commit.map { "commit \($0)" } ?? "development build"))"
    }
}
