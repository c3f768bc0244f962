using System.Net;

namespace Rampart.Agent.Ike;

/// <summary>
/// IKE's datagram edge, as the agent's loop uses it: <see cref="IkeTransport"/> on the host's UDP ports 500 and 4500,
/// an in-memory double in tests (two agents back to back in one process).
/// </summary>
public interface IIkeTransport
{
    /// <summary>Starts receiving; each datagram goes to <paramref name="receiver"/> on the transport's own thread.</summary>
    void Start(Action<IkeDatagram> receiver);

    /// <summary>Sends one IKE message (the bytes start at the ISAKMP header) from port 500, or from port 4500 when <paramref name="natTraversal"/>.</summary>
    void Send(ReadOnlySpan<byte> message, IPEndPoint remote, bool natTraversal, IPAddress? local = null);
}
