using System.Net;
using Rampart.Agent.Ike;
using Rampart.DataPath.Database;
using Rampart.Ike;

namespace Rampart.Agent.Bindings;

/// <summary>A negotiation IKE runs for a binding; <c>FallbackAt</c> is when Request Security gives up waiting for the peer.</summary>
internal sealed class PendingNegotiation(Binding binding, IkeNegotiation negotiation, DateTimeOffset started, DateTimeOffset? fallbackAt, bool allowFallback)
{
    public Binding Binding { get; } = binding;

    public IkeNegotiation Negotiation { get; } = negotiation;

    public DateTimeOffset Started { get; } = started;

    public DateTimeOffset? FallbackAt { get; set; } = fallbackAt;

    public bool AllowFallback { get; } = allowFallback;
}

/// <summary>A responder's inbound SA installed ahead of its pair (between Quick Mode's second and third message).</summary>
internal sealed record InboundOnly(Binding? Binding, DateTimeOffset Since);

/// <summary>An installed SA pair; <c>Rekey</c> is what to negotiate again near its lifetime (initiated pairs only: the initiator rekeys).</summary>
internal sealed record InstalledPair(uint InboundSpi, uint OutboundSpi, IPAddress Peer, Binding? Binding, ProxyIdentities Selector, string PolicyName, IkeNegotiation? Rekey);
