using System.Net;

namespace Rampart.Agent.Ike;

/// <summary>
/// One IKE message as received: the bytes start at the ISAKMP header (the RFC 3948 non-ESP marker of port 4500
/// is already removed), with the address and port it came from and the local address and port it arrived on.
/// </summary>
public sealed record IkeDatagram(ReadOnlyMemory<byte> Message, IPEndPoint Remote, IPEndPoint Local, bool NatTraversal);
