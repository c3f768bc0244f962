using System.Net;

namespace Rampart.Ike.V1;

/// <summary>One ISAKMP SA for the monitor: peer, cookies, state, negotiated algorithms (null until chosen) creation time and, once established, the end of its lifetime.</summary>
public sealed record MainModeSaInfo(
    IPEndPoint Local,
    IPEndPoint Remote,
    ulong InitiatorCookie,
    ulong ResponderCookie,
    bool IsInitiator,
    bool Established,
    IkeProposal? Algorithms,
    bool UdpEncapsulation,
    int IpsecSaPairs,
    DateTimeOffset Created,
    DateTimeOffset? Expires);
