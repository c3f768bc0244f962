using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Rampart.Core.Algorithms;
using Rampart.Core.Auditing;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike;
using Rampart.Ike.Wire;

namespace Rampart.Agent.Ike;

/// <summary>One audit event as IKE reports it, before the audit log stores it.</summary>
public sealed record IkeAuditRecord(AuditEventId EventId, bool Success, string Summary, IReadOnlyList<AuditField> Fields);

/// <summary>
/// Builds the walkthrough's audit events (541 with peer identity, filter and parameters; 542/543 SA ended;
/// 545 authentication failed; 546 invalid proposal; 547 negotiation failed with the reason; 548 soft association).
/// Keys never reach these records: only algorithms, SPIs and lifetimes.
/// </summary>
public static class IkeAuditRecords
{
    public const string PeerIdentity = "Peer Identity";
    public const string Filter = "Filter";
    public const string Parameters = "Parameters";

    /// <summary>541 for a quick mode SA pair, with the walkthrough's fields (SPIs as unsigned numbers).</summary>
    public static IkeAuditRecord QuickModeEstablished(IpsecSaSpec inbound, IpsecSaSpec outbound)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        ArgumentNullException.ThrowIfNull(outbound);
        var peer = outbound.Destination.Address;
        var esp = outbound.Protocol == SaProtocol.Esp;
        List<AuditField> fields = [.. PeerFields(peer), .. FilterFields(outbound.Selector),
            new(Parameters, "ESP Algorithm", esp ? AlgorithmCatalog.DisplayName(outbound.Cipher) : "None"),
            new(Parameters, "HMAC Algorithm", esp && outbound.Integrity != IntegrityAlgorithm.None ? AlgorithmCatalog.DisplayName(outbound.Integrity) : "None"),
            new(Parameters, "AH Algorithm", esp ? "None" : AlgorithmCatalog.DisplayName(outbound.Integrity)),
            new(Parameters, "Encapsulation", (outbound.Mode == SaMode.Tunnel ? "Tunnel Mode" : "Transport Mode") + (outbound.UdpEncapsulation ? " (UDP-encapsulated)" : "")),
            new(Parameters, "InboundSpi", inbound.Spi.ToString(CultureInfo.InvariantCulture)),
            new(Parameters, "OutboundSpi", outbound.Spi.ToString(CultureInfo.InvariantCulture)),
            new(Parameters, "Lifetime (sec)", outbound.LifetimeSeconds.ToString(CultureInfo.InvariantCulture)),
            new(Parameters, "Lifetime (kb)", outbound.LifetimeKilobytes.ToString(CultureInfo.InvariantCulture))];
        return new IkeAuditRecord(AuditEventId.SecurityAssociationEstablished, true, $"IKE security association established: Data Protection Mode (Quick Mode) with {peer}", fields);
    }

    /// <summary>Maps the engine's audit events; null for those already covered (quick mode 541 comes from the install).</summary>
    public static IkeAuditRecord? FromEngine(IkeAuditEvent audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        List<AuditField> fields = [.. PeerFields(audit.Peer)];
        if (audit.Selector is { } selector)
        {
            fields.AddRange(FilterFields(selector));
        }

        switch (audit.Kind)
        {
            case IkeAuditKind.MainModeEstablished:
                fields = [.. PeerFields(audit.Peer, audit.Authentication, audit.PeerIdentity)];
                fields.Add(new(Parameters, "Details", audit.Detail));
                return new(AuditEventId.SecurityAssociationEstablished, true, $"IKE security association established: Key Exchange Mode (Main Mode) with {audit.Peer}", fields);
            case IkeAuditKind.SaDeleted:
                fields.Add(new(Parameters, "Details", audit.Detail));
                return audit.Selector is null
                    ? new(AuditEventId.MainModeEnded, true, $"IKE security association ended: Key Exchange Mode (Main Mode) with {audit.Peer}", fields)
                    : new(AuditEventId.QuickModeEnded, true, $"IKE security association ended: Data Protection Mode (Quick Mode) with {audit.Peer}", fields);
            case IkeAuditKind.NegotiationFailed:
                return Failure(audit.Peer, audit.Reason, audit.Detail, audit.Selector, audit.PeerAnswered, audit.Mismatch);
            case IkeAuditKind.CertificateRejected:
                // The peer was not authenticated: only its address is known, not a key's or certificate's identity.
                fields = [new(PeerIdentity, "Peer IP Address", audit.Peer.ToString()), new(Parameters, "Failure Reason", audit.Detail)];
                return new(AuditEventId.CertificateTrustFailed, false, $"IKE peer certificate refused for {audit.Peer}: {audit.Detail}", fields);
            default:
                return null;
        }
    }

    /// <summary>
    /// 545 for an authentication failure, 546 for no acceptable proposal, else 547, each with the reason. A 546 names
    /// the mode and, from <paramref name="mismatch"/>, the attribute that did not match with the expected and received
    /// values (the initiator whose proposals the peer refused knows only the mode).
    /// </summary>
    public static IkeAuditRecord Failure(IPAddress peer, NotifyMessageType? reason, string detail, Rampart.Ike.ProxyIdentities? selector, bool peerAnswered, ProposalMismatch? mismatch = null)
    {
        ArgumentNullException.ThrowIfNull(peer);
        List<AuditField> fields = [.. PeerFields(peer)];
        if (selector is not null)
        {
            fields.AddRange(FilterFields(selector));
        }

        var reasonText = reason is { } r ? $"{r} ({detail})" : detail;
        fields.Add(new(Parameters, "Failure Reason", reasonText));
        fields.Add(new(Parameters, "Peer Answered", peerAnswered ? "yes" : "no"));
        switch (reason)
        {
            case NotifyMessageType.AuthenticationFailed:
                return new(AuditEventId.PeerAuthenticationFailed, false, $"IKE peer authentication failed with {peer}: {reasonText}", fields);
            case NotifyMessageType.NoProposalChosen when mismatch is not null:
                var mode = ModeName(mismatch.Mode);
                fields.Add(new(Parameters, "Mode", mode));
                fields.Add(new(Parameters, "Attribute", mismatch.Attribute));
                if (mismatch.Expected is not null)
                {
                    fields.Add(new(Parameters, "Expected Value", mismatch.Expected));
                }

                if (mismatch.Received is not null)
                {
                    fields.Add(new(Parameters, "Received Value", mismatch.Received));
                }

                return new(AuditEventId.InvalidProposal, false, $"IKE proposal not acceptable with {peer}: {mode}, {mismatch}", fields);
            case NotifyMessageType.NoProposalChosen:
                return new(AuditEventId.InvalidProposal, false, $"IKE proposal not acceptable with {peer}: {reasonText}", fields);
            default:
                return new(AuditEventId.NegotiationFailed, false, $"IKE security association negotiation failed with {peer}: {reasonText}", fields);
        }
    }

    /// <summary>The failures of one kind from <paramref name="peer"/> that were counted, not written, in an interval.</summary>
    public static IkeAuditRecord SuppressedFailures(IPAddress peer, AuditEventId eventId, long count, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var seconds = interval.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
        List<AuditField> fields = [.. PeerFields(peer),
            new(Parameters, "Suppressed Failures", count.ToString(CultureInfo.InvariantCulture)),
            new(Parameters, "Interval (sec)", seconds)];
        return new(eventId, false, $"{count} more failures (event {(int)eventId}) with {peer} in the last {seconds} s", fields);
    }

    /// <summary>The failures from sources past the per-interval limit, counted into one record (547).</summary>
    public static IkeAuditRecord SuppressedFailures(long count, int sources, bool atLeast, TimeSpan interval)
    {
        var seconds = interval.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
        var sourceText = (atLeast ? "at least " : "") + sources.ToString(CultureInfo.InvariantCulture);
        List<AuditField> fields = [
            new(Parameters, "Suppressed Failures", count.ToString(CultureInfo.InvariantCulture)),
            new(Parameters, "Sources", sourceText),
            new(Parameters, "Interval (sec)", seconds)];
        return new(AuditEventId.NegotiationFailed, false, $"{count} more IKE failures from {sourceText} other sources in the last {seconds} s (audit limit reached)", fields);
    }

    /// <summary>The walkthrough's names for the two IKE phases.</summary>
    public static string ModeName(IkeNegotiationMode mode) => mode == IkeNegotiationMode.MainMode
        ? "Key Exchange Mode (Main Mode)"
        : "Data Protection Mode (Quick Mode)";

    /// <summary>548: the peer did not answer IKE and the filter action allows clear traffic.</summary>
    public static IkeAuditRecord Soft(IPAddress peer, Rampart.Ike.ProxyIdentities selector, TimeSpan waited)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(selector);
        List<AuditField> fields = [.. PeerFields(peer), .. FilterFields(selector),
            new(Parameters, "Negotiation Policy", "<none>"),
            new(Parameters, "Waited (sec)", waited.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture))];
        return new(AuditEventId.SoftAssociation, true, $"Soft association with {peer}: it did not answer IKE, traffic flows unsecured", fields);
    }

    private static IEnumerable<AuditField> PeerFields(IPAddress peer) =>
    [
        new(PeerIdentity, "Preshared Key ID", peer.ToString()),
        new(PeerIdentity, "Peer IP Address", peer.ToString()),
    ];

    /// <summary>The walkthrough's identity lines: "Certificate based Identity" with the peer's subject, or the key's ID.</summary>
    private static IEnumerable<AuditField> PeerFields(IPAddress peer, IkeAuthenticationMethod? method, string? identity) =>
        method is null or IkeAuthenticationMethod.PreSharedKey
            ? [new(PeerIdentity, "Preshared Key ID", identity ?? peer.ToString()), new(PeerIdentity, "Peer IP Address", peer.ToString())]
            : [new(PeerIdentity, "Certificate based Identity", identity ?? ""), new(PeerIdentity, "Peer IP Address", peer.ToString())];

    private static IEnumerable<AuditField> FilterFields(Rampart.Ike.ProxyIdentities selector) =>
    [
        new(Filter, "Source IP Address", selector.Local.Network.ToString()),
        new(Filter, "Source IP Address Mask", Mask(selector.Local)),
        new(Filter, "Destination IP Address", selector.Remote.Network.ToString()),
        new(Filter, "Destination IP Address Mask", Mask(selector.Remote)),
        new(Filter, "Protocol", selector.Local.Protocol.ToString(CultureInfo.InvariantCulture)),
        new(Filter, "Source Port", selector.Local.Port.ToString(CultureInfo.InvariantCulture)),
        new(Filter, "Destination Port", selector.Remote.Port.ToString(CultureInfo.InvariantCulture)),
    ];

    /// <summary>IPv4 masks in dotted form as the walkthrough shows them; IPv6 as a prefix length.</summary>
    private static string Mask(ProxyIdentity proxy)
    {
        if (proxy.Network.AddressFamily != AddressFamily.InterNetwork)
        {
            return "/" + proxy.PrefixLength.ToString(CultureInfo.InvariantCulture);
        }

        var mask = proxy.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - proxy.PrefixLength);
        return new IPAddress([(byte)(mask >> 24), (byte)(mask >> 16), (byte)(mask >> 8), (byte)mask]).ToString();
    }
}
