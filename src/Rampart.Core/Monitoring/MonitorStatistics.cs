namespace Rampart.Core.Monitoring;

/// <summary>
/// The monitor's statistics: the data path's (IPsec) counters and IKE's (ISAKMP/Oakley) counters.
/// Everything but <see cref="ActiveAssociations"/>, <see cref="SoftAssociations"/> and <see cref="PendingKeyOperations"/>
/// counts up from agent start.
/// </summary>
/// <param name="ActiveAssociations">SAs installed in the data path (each direction is one SA).</param>
/// <param name="ConfidentialBytesSent">Bytes sent encrypted (ESP with a cipher).</param>
/// <param name="ConfidentialBytesReceived">Bytes received encrypted.</param>
/// <param name="AuthenticatedBytesSent">Bytes sent with integrity protection (AH, ESP with integrity or an AEAD).</param>
/// <param name="AuthenticatedBytesReceived">Bytes received with integrity protection.</param>
/// <param name="BadSpiPackets">ESP/AH packets whose SPI matches no SA.</param>
/// <param name="PacketsNotDecrypted">Packets that failed to decrypt.</param>
/// <param name="PacketsNotAuthenticated">Packets that failed their integrity check.</param>
/// <param name="ReplayDrops">Packets dropped by the anti-replay window.</param>
/// <param name="SoftAssociations">Soft associations in force now (clear traffic after the peer did not answer IKE), as
/// Windows 2000's monitor counted them; each ends after the quick mode idle timeout without traffic.</param>
/// <param name="MainModes">Main modes (IKE SAs) established.</param>
/// <param name="QuickModes">Quick modes (IPsec SA pairs) established.</param>
/// <param name="AuthenticationFailures">Peers that failed authentication.</param>
/// <param name="NegotiationFailures">Negotiations that failed for any reason.</param>
/// <param name="PendingKeyOperations">Negotiations in progress now.</param>
/// <param name="KeyAdditions">SAs IKE installed in the data path.</param>
/// <param name="KeyDeletions">SAs IKE removed from the data path.</param>
/// <param name="Rekeys">Quick modes done to replace an SA reaching its lifetime.</param>
/// <param name="DeadPeers">Peers declared dead by dead peer detection (their SAs removed).</param>
/// <param name="MainModeRenewals">Main modes renegotiated before their lifetime because their traffic was in use.</param>
public sealed record MonitorStatistics(
    long ActiveAssociations,
    long ConfidentialBytesSent,
    long ConfidentialBytesReceived,
    long AuthenticatedBytesSent,
    long AuthenticatedBytesReceived,
    long BadSpiPackets,
    long PacketsNotDecrypted,
    long PacketsNotAuthenticated,
    long ReplayDrops,
    long SoftAssociations,
    long MainModes,
    long QuickModes,
    long AuthenticationFailures,
    long NegotiationFailures,
    long PendingKeyOperations,
    long KeyAdditions,
    long KeyDeletions,
    long Rekeys,
    long DeadPeers,
    long MainModeRenewals)
{
    /// <summary>What IKE dropped or summed up to stay bounded under a flood (spoofed or not).</summary>
    public IkeFloodCounters Flood { get; init; } = IkeFloodCounters.Zero;

    /// <summary>Peer certificates refused (audited 544).</summary>
    public long CertificatesRejected { get; init; }

    /// <summary>Of <see cref="CertificatesRejected"/>, those refused by CRL checking (revoked, or no valid CRL at level 2).</summary>
    public long CrlFailures { get; init; }
}

/// <summary>
/// What IKE gave up to keep its state and the audit trail bounded, counted from agent start: non-zero values mean a
/// flood (or a peer far busier than the bounds), worth an alert.
/// </summary>
/// <param name="DroppedDatagrams">IKE datagrams dropped because the IKE loop's queue was full.</param>
/// <param name="HalfOpenEvicted">Unproven half-open Main Modes evicted, oldest first, to admit new ones.</param>
/// <param name="HalfOpenRefused">Main Mode requests refused because the states they would need were all proven.</param>
/// <param name="FailureAuditsSummedUp">Unauthenticated failure records counted into summary records instead of written one by one.</param>
/// <param name="AuditRecordsDropped">Audit records dropped because the audit writer's queue was full.</param>
public sealed record IkeFloodCounters(long DroppedDatagrams, long HalfOpenEvicted, long HalfOpenRefused, long FailureAuditsSummedUp, long AuditRecordsDropped)
{
    public static IkeFloodCounters Zero { get; } = new(0, 0, 0, 0, 0);
}
