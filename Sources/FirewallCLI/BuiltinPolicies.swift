/// Policies compiled into the binary, so `mcp-firewall demo` and `proxy` without `--policy` work
/// from anywhere. A test keeps them byte-identical to the files under `policies/`.
package enum BuiltinPolicies {
    /// `policies/default.yaml`.
    package static let defaultPolicy = #"""
        # yaml-language-server: $schema=../schemas/policy-v1.schema.json
        # mcp-firewall default policy: reads run, writes ask a human, sensitive calls never run.
        # Tools this file does not name are classified from the server's tool annotations
        # (readOnlyHint: true → read; anything else, or no annotations → write).
        version: 1
        description: Read allow, write confirm, sensitive deny.
        defaults:
          read: allow
          write: confirm
          sensitive: deny
        unlisted:
          class: annotations
        approval:
          timeout: 120s

        """#

    /// `policies/hr-example.yaml`.
    package static let hrExample = #"""
        # yaml-language-server: $schema=../schemas/policy-v1.schema.json
        # Policy for the example HR server (example-hr-server), used by `mcp-firewall demo`.
        version: 1
        description: HR system — reads run, salary and review changes ask a human, payroll exports and deletions are refused.
        defaults:
          read: allow
          write: confirm
          sensitive: deny
        unlisted:
          class: annotations
        approval:
          timeout: 60s
        tools:
          - name: [list_employees, get_employee, search_employees, get_personnel_file]
            class: read
            tags: [HR-READ]

          - name: update_salary
            class: write
            reason: Salary changes are approved by a person
            tags: [SOC2, payroll]

          - name: update_salary
            decision: deny
            when:
              new_salary: {gt: 500000}
            reason: Salaries above 500000 are never set by an agent
            tags: [SOC2, payroll]

          - name: add_review_note
            class: write
            reason: Review notes become part of an employee's record
            tags: [HR-RECORD]

          - name: export_payroll
            class: sensitive
            reason: Payroll exports carry every employee's salary
            tags: [SOC2, PII]

          - name: delete_employee
            class: sensitive
            decision: deny
            reason: Employee records are deleted only through the HR system's own workflow
            tags: [SOC2, HR-RECORD]

        """#
}
