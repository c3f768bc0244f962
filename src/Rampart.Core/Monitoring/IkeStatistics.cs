using System.Text.Json.Serialization;

namespace Rampart.Core.Monitoring;

/// <summary>
/// IKE's statistics (the walkthrough's ISAKMP/Oakley counters), cumulative since the agent started: the body of
/// <c>ike.status</c> and what the monitor and the metrics read. <see cref="DeadPeers"/> counts peers that did not answer
/// dead peer detection, <see cref="MainModeRenewals"/> main modes negotiated ahead of an in-use one's expiry.
/// </summary>
public sealed record IkeStatistics(
    long MainModes,
    long QuickModes,
    long SoftAssociations,
    long AuthenticationFailures,
    long NegotiationFailures,
    long PendingKeyOperations,
    long KeyAdditions,
    long KeyDeletions,
    long Rekeys,
    long MalformedMessages,
    long Retransmits,
    long DeadPeers,
    long MainModeRenewals)
{
    public static IkeStatistics Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Peers remembered as heard from by IKE (bounded; only peers that echoed our cookie).</summary>
    public int HeardPeers { get; init; }

    /// <summary>Responder Main Modes not yet authenticated (bounded by the engine's half-open limit).</summary>
    public int HalfOpen { get; init; }

    /// <summary>Of <see cref="HalfOpen"/>, those past MM3 (the initiator received our cookie): never evicted by a flood.</summary>
    public int HalfOpenProven { get; init; }

    /// <summary>Unproven half-open Main Modes dropped, oldest first, to admit new ones past the bound.</summary>
    public long HalfOpenEvicted { get; init; }

    /// <summary>Main Mode requests not admitted because the half-open states they would need were all proven.</summary>
    public long HalfOpenRefused { get; init; }

    /// <summary>Failure audits counted into summary records instead of written one by one (a flood).</summary>
    public long FailureAuditsSuppressed { get; init; }

    /// <summary>IKE datagrams dropped because the IKE loop's queue was full.</summary>
    public long DroppedDatagrams { get; init; }

    /// <summary>Audit records dropped because the audit writer's queue was full.</summary>
    public long AuditRecordsDropped { get; init; }

    /// <summary>IKE fragmentation: fragments sent and received, messages reassembled, reassemblies given up.</summary>
    public IkeFragmentCounters Fragments { get; init; } = IkeFragmentCounters.Zero;

    /// <summary>Peer certificates refused (untrusted, expired, revoked, no CRL at level 2, wrong EKU, not matching the peer's ID): audited 544.</summary>
    public long CertificatesRejected { get; init; }

    /// <summary>Of <see cref="CertificatesRejected"/>, those a CRL revoked or (CRL check level 2) no valid CRL covered.</summary>
    public long CrlFailures { get; init; }

    /// <summary>The flood counters above, grouped as the monitor shows them (not a field of <c>ike.status</c>).</summary>
    [JsonIgnore]
    public IkeFloodCounters Flood => new(DroppedDatagrams, HalfOpenEvicted, HalfOpenRefused, FailureAuditsSuppressed, AuditRecordsDropped);
}
