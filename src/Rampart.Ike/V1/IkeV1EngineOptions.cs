using System.Net;

namespace Rampart.Ike.V1;

/// <summary>How the engine finds configuration as a responder, and its timing and flood limits.</summary>
public sealed class IkeV1EngineOptions
{
    /// <summary>Responder: the peer configuration for an initiator's address (Main Mode PSK is chosen by address); null = refuse.</summary>
    public required Func<IPAddress, IkeV1PeerConfig?> FindPeer { get; init; }

    /// <summary>Responder: the quick mode policy for a traffic selector (seen from this host); null = NO-PROPOSAL-CHOSEN.</summary>
    public required Func<IkeV1PeerConfig, ProxyIdentities, QuickModePolicy?> FindQuickMode { get; init; }

    /// <summary>First retransmission delay; each next one doubles.</summary>
    public TimeSpan RetransmitInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Retransmissions before giving up (1 + 2 + 4 + 8 + 16 s with the defaults).</summary>
    public int MaxRetransmits { get; init; } = 5;

    /// <summary>How long Main Mode waits for the host's <c>CompletePeerValidation</c> (CRL fetches) before it fails.</summary>
    public TimeSpan PeerValidationTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long Main Mode waits for the host's <c>CompleteGssStep</c> (a ticket request to the KDC) before it fails.</summary>
    public TimeSpan GssStepTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a responder keeps a Main Mode that has not completed.</summary>
    public TimeSpan HalfOpenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Half-open responder Main Modes kept at most; past it the oldest is dropped.</summary>
    public int MaxHalfOpen { get; init; } = 1024;

    /// <summary>Half-open responder Main Modes per source address.</summary>
    public int MaxHalfOpenPerSource { get; init; } = 8;

    /// <summary>
    /// R-U-THERE retransmissions (RFC 3706 §5.5) before the peer is declared dead, on the retransmission backoff: with
    /// the defaults the probe is sent at 0, 1, 3 and 7 s and the peer is dead at 15 s.
    /// </summary>
    public int DpdRetransmits { get; init; } = 3;

    /// <summary>
    /// The fraction of an ISAKMP SA's lifetime at which it is renewed if its peer's quick mode SAs are in use (90%:
    /// 7 h 12 min into the default 8 hours, so rekeys never wait for a Main Mode); it is then deleted at its lifetime.
    /// </summary>
    public double MainModeRenewalPoint { get; init; } = 0.9;

    /// <summary>After the renewal point, how often an unused ISAKMP SA is asked again whether it became used.</summary>
    public TimeSpan MainModeRenewalRecheck { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether traffic with a peer is in use, so its ISAKMP SA is renewed before it expires; null = never renew.</summary>
    public Func<IPAddress, bool>? ShouldRenewMainMode { get; init; }

    /// <summary>How long a finished quick mode is remembered to answer a retransmitted last message.</summary>
    public TimeSpan CompletedExchangeLinger { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// IKE fragmentation (the FRAGMENTATION vendor ID of Cisco, Windows and strongSwan): announce it in Main Mode,
    /// send a message larger than <see cref="FragmentSize"/> in fragments to a peer that announced it, and reassemble
    /// fragments received. Off: no vendor ID, nothing fragmented, fragments received are dropped.
    /// </summary>
    public bool Fragmentation { get; init; } = true;

    /// <summary>
    /// The largest IP packet an IKE message may fill (IP and UDP headers and port 4500's non-ESP marker included) before
    /// it goes in fragments. 1280, the smallest MTU IPv6 allows, so messages cross any IPv6 path and most IPv4 ones
    /// without IP fragmentation, which NATs and firewalls often drop. At least <see cref="MinFragmentSize"/>.
    /// </summary>
    public int FragmentSize { get; init; } = 1280;

    /// <summary>The smallest <see cref="FragmentSize"/>: an IPv6 packet on port 4500 still carries 168 bytes of the message.</summary>
    public const int MinFragmentSize = 256;

    /// <summary>Fragments one received message may have; a fragment numbered higher ends its reassembly.</summary>
    public int MaxFragmentsPerMessage { get; init; } = 32;

    /// <summary>Bytes one reassembled message may hold; past it the reassembly is dropped.</summary>
    public int MaxReassembledBytes { get; init; } = 64 * 1024;

    /// <summary>Reassemblies in progress from one address; a new one past it drops that address's oldest.</summary>
    public int MaxReassembliesPerPeer { get; init; } = 4;

    /// <summary>Reassemblies in progress in all; a new one past it drops the oldest.</summary>
    public int MaxReassemblies { get; init; } = 128;

    /// <summary>How long the fragments of an incomplete message are kept (retransmissions may complete it).</summary>
    public TimeSpan ReassemblyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
