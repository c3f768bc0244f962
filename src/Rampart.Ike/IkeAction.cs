using System.Net;
using System.Security.Cryptography.X509Certificates;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike.Wire;

namespace Rampart.Ike;

/// <summary>What the sans-I/O engine asks its host to do; the host owns sockets, the SA database, timers and audit.</summary>
public abstract record IkeAction;

/// <summary>
/// Send this ISAKMP message from <paramref name="Local"/> to <paramref name="Remote"/>. It is bare on either port: the
/// transport puts the non-ESP marker in front of it when it leaves from port 4500.
/// </summary>
public sealed record SendDatagram(IPEndPoint Local, IPEndPoint Remote, byte[] Datagram) : IkeAction;

/// <summary>Install an IPsec SA pair: <paramref name="Inbound"/> (peer to us) and <paramref name="Outbound"/>.</summary>
public sealed record InstallIpsecSa(IpsecSaSpec Inbound, IpsecSaSpec Outbound) : IkeAction;

/// <summary>
/// The responder's inbound SA, installed when it sends Quick Mode's second message: the initiator installs its pair and
/// sends traffic on receiving that message, before our <see cref="InstallIpsecSa"/> (on the third) could. If the Quick
/// Mode then fails, a <see cref="DeleteIpsecSa"/> with an outbound SPI of 0 removes it.
/// </summary>
public sealed record InstallInboundIpsecSa(IpsecSaSpec Inbound) : IkeAction;

/// <summary>Remove the SA pair identified by our inbound SPI and the peer's (outbound) SPI.</summary>
public sealed record DeleteIpsecSa(SaProtocol Protocol, uint InboundSpi, uint OutboundSpi, IPAddress Peer) : IkeAction;

/// <summary>
/// RFC 3706: <paramref name="Peer"/> did not answer dead peer detection; its ISAKMP and IPsec SAs are gone (the
/// <see cref="DeleteIpsecSa"/> actions came first) and negotiations with it should start afresh.
/// </summary>
public sealed record PeerDead(IPAddress Peer) : IkeAction;

/// <summary>Call <c>OnTimer</c> at (or after) <paramref name="Due"/>; a later ArmTimer replaces an earlier one.</summary>
public sealed record ArmTimer(DateTimeOffset Due) : IkeAction;

public enum IkeAuditKind
{
    MainModeEstablished,
    QuickModeEstablished,
    NegotiationFailed,
    SaDeleted,

    /// <summary>The peer's certificate was refused (unusable, not matching its ID, or the host's validation said invalid): 544.</summary>
    CertificateRejected,
}

/// <summary>
/// Validate the peer's certificate chain (trust anchored at one of <see cref="IkeCertificateAuthentication.CaNames"/>,
/// dates, EKU, revocation) off the IKE loop, then call <c>CompletePeerValidation</c> with <paramref name="RequestId"/>.
/// The engine has already checked the peer's signature with <paramref name="EndEntity"/>'s key and its ID against the
/// certificate; its Main Mode waits meanwhile (retransmissions are absorbed; past the validation timeout it fails).
/// The certificates are the host's to dispose once validated.
/// </summary>
public sealed record ValidatePeerCertificate(
    long RequestId,
    IPAddress Peer,
    X509Certificate2 EndEntity,
    IReadOnlyList<X509Certificate2> Intermediates,
    IkeCertificateAuthentication Authentication) : IkeAction;

/// <summary>
/// An audit record. <paramref name="Reason"/> is the notification that failed it (e.g. AUTHENTICATION-FAILED,
/// NO-PROPOSAL-CHOSEN), null on success or when the peer did not answer; <paramref name="PeerAnswered"/> tells a
/// "no answer at all" failure (soft SA candidate) from a failure after the peer replied. <paramref name="Mismatch"/>
/// says why no proposal was acceptable (NO-PROPOSAL-CHOSEN only).
/// </summary>
public sealed record IkeAuditEvent(
    IkeAuditKind Kind,
    IPAddress Peer,
    NotifyMessageType? Reason,
    bool PeerAnswered,
    string Detail,
    ProxyIdentities? Selector = null,
    ProposalMismatch? Mismatch = null) : IkeAction
{
    /// <summary>Main Mode established: the peer's authenticated identity (its certificate's subject, or its ID payload).</summary>
    public string? PeerIdentity { get; init; }

    /// <summary>Main Mode established: the method the peer authenticated with.</summary>
    public IkeAuthenticationMethod? Authentication { get; init; }
}

/// <summary>A trace line (the Oakley.log of the walkthrough); never contains key material.</summary>
public sealed record IkeLogEvent(int EventId, string Message) : IkeAction;

/// <summary>One direction of an IPsec SA with its keys. Keys are not part of <see cref="ToString"/>.</summary>
public sealed class IpsecSaSpec
{
    public required uint Spi { get; init; }

    public required SaProtocol Protocol { get; init; }

    public required CipherAlgorithm Cipher { get; init; }

    public required IntegrityAlgorithm Integrity { get; init; }

    /// <summary>Cipher key followed by the 4-byte salt for AES-GCM (RFC 4106 §8.1); empty for AH and NULL.</summary>
    public required byte[] EncryptionKey { get; init; }

    public required byte[] IntegrityKey { get; init; }

    public required SaMode Mode { get; init; }

    /// <summary>ESP in UDP (RFC 3948) between <see cref="Source"/> and <see cref="Destination"/> ports.</summary>
    public required bool UdpEncapsulation { get; init; }

    public required IPEndPoint Source { get; init; }

    public required IPEndPoint Destination { get; init; }

    public required ProxyIdentities Selector { get; init; }

    public required int LifetimeSeconds { get; init; }

    /// <summary>0 = no byte limit.</summary>
    public required long LifetimeKilobytes { get; init; }

    public override string ToString() =>
        $"{Protocol} SPI {Spi} {AlgorithmCatalog.DisplayName(Cipher)}/{AlgorithmCatalog.DisplayName(Integrity)} {Mode}{(UdpEncapsulation ? "-in-UDP" : "")} {Source}->{Destination} {LifetimeSeconds}s";
}
