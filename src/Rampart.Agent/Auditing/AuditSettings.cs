namespace Rampart.Agent.Auditing;

/// <summary>The walkthrough's audit policy: success and failure auditing are switched separately; both on by default.</summary>
public sealed record AuditSettings(bool AuditSuccess = true, bool AuditFailure = true, int MaximumRecords = 100_000);
