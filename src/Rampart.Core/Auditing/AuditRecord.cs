namespace Rampart.Core.Auditing;

/// <summary>
/// One audit trail entry. <see cref="Fields"/> keeps the walkthrough's labels and order
/// (e.g. "Peer IP Address", "Source IP Address Mask", "InboundSpi"), grouped by <see cref="AuditField.Section"/>
/// ("Peer Identity", "Filter", "Parameters"). Never holds a key or a pre-shared key.
/// </summary>
public sealed record AuditRecord(
    long Sequence,
    DateTimeOffset Time,
    AuditEventId EventId,
    bool Success,
    string Summary,
    IReadOnlyList<AuditField> Fields);

public sealed record AuditField(string Section, string Name, string Value);
