using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Core.Algorithms;
using Rampart.Core.Monitoring;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike.Crypto;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

internal enum Phase1State
{
    /// <summary>Initiator sent MM1 (SA).</summary>
    InitiatorSentSa,
    /// <summary>Initiator sent MM3 (KE, Ni).</summary>
    InitiatorSentKe,
    /// <summary>Initiator sent MM5 (IDii, HASH_I).</summary>
    InitiatorSentId,
    /// <summary>Responder sent MM2, waits for MM3.</summary>
    ResponderSentSa,
    /// <summary>Responder sent MM4, waits for MM5.</summary>
    ResponderSentKe,
    /// <summary>Initiator received a signed MM6 and waits for the host's validation of the peer's certificate.</summary>
    InitiatorValidating,
    /// <summary>Responder received a signed MM5 and waits for the host's validation before it sends MM6.</summary>
    ResponderValidating,
    /// <summary>Waits for the host's answer to a GSS step (Kerberos), by <see cref="Phase1Sa.GssNext"/>.</summary>
    GssWaiting,
    Established,
}

/// <summary>
/// One ISAKMP SA (Main Mode) and the exchanges running under it. It owns a copy of the peer configuration (the
/// pre-shared key) and its keys; <see cref="Dispose"/> (the SA is deleted, expires, fails or the agent restarts) zeroes
/// SKEYID, SKEYID_d, SKEYID_a and the pre-shared key, and disposes the cipher keyed from SKEYID_e (whose bytes were
/// zeroed as soon as the cipher was built).
/// </summary>
internal sealed partial class Phase1Sa(ulong cookieI, bool isInitiator, IkeV1PeerConfig peer, IPEndPoint local, IPEndPoint remote, DateTimeOffset created) : IDisposable
{
    public ulong CookieI { get; } = cookieI;

    public ulong CookieR { get; set; }

    public bool IsInitiator { get; } = isInitiator;

    public IkeV1PeerConfig Peer { get; } = peer.Copy();

    public IPEndPoint Local { get; set; } = local;

    public IPEndPoint Remote { get; set; } = remote;

    public DateTimeOffset Created { get; } = created;

    public Phase1State State { get; set; }

    public bool PeerAnswered { get; set; }

    /// <summary>SAi_b: the initiator's SA payload body, hashed into HASH_I/HASH_R.</summary>
    public byte[] InitiatorSaBody { get; set; } = [];

    public IkeProposal? Chosen { get; set; }

    /// <summary>The authentication method chosen with <see cref="Chosen"/>; both sides authenticate with it.</summary>
    public IkeAuthenticationMethod AuthenticationMethod { get; set; } = IkeAuthenticationMethod.PreSharedKey;

    /// <summary>The certificate method of the peer configuration when a signature method was chosen.</summary>
    public IkeCertificateAuthentication? Certificates { get; set; }

    /// <summary>The authorities of the peer's CERTREQs (MM3 or MM4), for choosing our certificate.</summary>
    public List<X500DistinguishedName> PeerRequestedAuthorities { get; set; } = [];

    /// <summary>The <see cref="ValidatePeerCertificate"/> request this SA waits for; 0 when none.</summary>
    public long ValidationId { get; set; }

    /// <summary>The peer's MM5 carried INITIAL-CONTACT, acted on once its certificate is validated.</summary>
    public bool PeerSentInitialContact { get; set; }

    /// <summary>The peer's authenticated identity: its certificate's subject, or its ID with a pre-shared key.</summary>
    public string? PeerIdentity { get; set; }

    public IDiffieHellman? Dh { get; set; }

    public byte[] NonceI { get; set; } = [];

    public byte[] NonceR { get; set; } = [];

    public byte[] PublicI { get; set; } = [];

    public byte[] PublicR { get; set; } = [];

    public IkePrf? Prf { get; set; }

    public byte[] Skeyid { get; set; } = [];

    public byte[] SkeyidD { get; set; } = [];

    public byte[] SkeyidA { get; set; } = [];

    public IkeCbcCipher? Cipher { get; set; }

    /// <summary>Main Mode CBC chain; after MM6 it is the "last phase 1 CBC block" used to derive phase 2 IVs.</summary>
    public byte[] Iv { get; set; } = [];

    public NatTraversalVersion NatTraversal { get; set; }

    /// <summary>A NAT sits between the peers (or UDP encapsulation is forced): ESP goes in UDP on port 4500.</summary>
    public bool UdpEncapsulation { get; set; }

    public bool PeerSupportsDpd { get; set; }

    /// <summary>Quick Modes this SA started as initiator, against <see cref="IkeV1PeerConfig.QuickModesPerMainMode"/>.</summary>
    public int QuickModesStarted { get; set; }

    public byte[]? LastSent { get; set; }

    public byte[]? LastReceived { get; set; }

    public int Retransmits { get; set; }

    /// <summary>Next retransmission (initiator) or half-open expiry (responder) or lifetime end (established).</summary>
    public DateTimeOffset? Due { get; set; }

    /// <summary>The end of the lifetime, once established.</summary>
    public DateTimeOffset? Expires { get; set; }

    /// <summary>When the SA is renewed if in use (established only); null once renewed or past the lifetime.</summary>
    public DateTimeOffset? RenewAt { get; set; }

    /// <summary>Establishment or the last authenticated message from the peer (RFC 3706 proof of liveness).</summary>
    public DateTimeOffset LastHeard { get; set; }

    /// <summary>RFC 3706 §5.7: the last R-U-THERE sequence number sent (counting on from a random start).</summary>
    public uint DpdSequence { get; set; }

    /// <summary>The first sequence number of the probe in progress; null when none is.</summary>
    public uint? DpdProbeFirst { get; set; }

    public DateTimeOffset DpdProbeStarted { get; set; }

    public int DpdRetransmits { get; set; }

    /// <summary>Next R-U-THERE retransmission, or the give-up time after the last one.</summary>
    public DateTimeOffset? DpdDue { get; set; }

    /// <summary>An unproven responder Main Mode (MM2 sent, no MM3 yet): in the evictable half-open list.</summary>
    public LinkedListNode<Phase1Sa>? HalfOpenNode { get; set; }

    /// <summary>A responder Main Mode past MM3 (the initiator echoed our cookie, so it receives at its address): never evicted.</summary>
    public bool HalfOpenProven { get; set; }

    public List<PendingAcquire> Pending { get; } = [];

    public Dictionary<uint, QuickModeExchange> QuickModes { get; } = [];

    public List<InstalledSa> Installed { get; } = [];

    /// <summary>Recently used quick mode and informational message IDs, to drop replays.</summary>
    public Queue<uint> SeenMessageIds { get; } = new();

    public PayloadType NatDiscoveryType => NatTraversal == NatTraversalVersion.Rfc3947 ? PayloadType.NatDiscovery : PayloadType.NatDiscoveryDraft;

    /// <summary>This SA as <c>ike.status</c> lists it at <paramref name="now"/>.</summary>
    public MainModeSaRow ToRow(DateTimeOffset now) => new(
        Local.ToString(),
        Remote.ToString(),
        CookieI.ToString("x16", CultureInfo.InvariantCulture),
        CookieR.ToString("x16", CultureInfo.InvariantCulture),
        IsInitiator ? "initiator" : "responder",
        State == Phase1State.Established ? "established" : "negotiating",
        Chosen is { } a ? $"{AlgorithmCatalog.Name(a.Cipher)}/{AlgorithmCatalog.Name(a.Hash)}/{AlgorithmCatalog.Name(a.Group)}" : null,
        UdpEncapsulation,
        Installed.Count,
        Math.Round((now - Created).TotalSeconds, 1),
        Expires is { } expires ? Math.Max(0, Math.Round((expires - now).TotalSeconds, 1)) : null,
        State == Phase1State.Established ? PeerIdentity : null,
        State == Phase1State.Established ? IkeV1Engine.AuthenticationName(AuthenticationMethod) : null);

    public void Dispose()
    {
        Peer.Dispose();
        CryptographicOperations.ZeroMemory(Skeyid);
        CryptographicOperations.ZeroMemory(SkeyidD);
        CryptographicOperations.ZeroMemory(SkeyidA);
        Dh?.Dispose();
        Cipher?.Dispose();
        foreach (var exchange in QuickModes.Values)
        {
            exchange.Dispose();
        }
    }
}

/// <summary>An acquire waiting for its ISAKMP SA.</summary>
internal sealed record PendingAcquire(ProxyIdentities Selector, QuickModePolicy Policy);

/// <summary>An installed IPsec SA pair, remembered to answer and send deletes.</summary>
internal sealed record InstalledSa(SaProtocol Protocol, uint InboundSpi, uint OutboundSpi, ProxyIdentities Selector);
