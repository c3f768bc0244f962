using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Rampart.Agent.Interop;
using Rampart.Core;

namespace Rampart.Agent.Ike;

/// <summary>
/// IKE's UDP sockets: port 500 and port 4500 (NAT traversal, RFC 3947/3948) on every address, IPv4 and IPv6.
/// On port 4500 IKE messages carry a four-byte zero non-ESP marker. This is the one place that knows it: the marker is
/// removed on receive and added on send, so everything above (controller, engine) handles bare ISAKMP messages. A
/// single 0xFF byte there is a NAT keepalive (RFC 3948 §2.3), counted and ignored; anything else is ESP-in-UDP, which
/// the data path takes before it reaches this socket, so such datagrams are counted and dropped here.
/// Each socket has its own receive thread blocking in <c>recvmsg</c> that hands datagrams straight to the receiver given
/// to <see cref="Start"/>, and sends are synchronous: no thread-pool hop on either path (UDP sends do not block).
/// </summary>
public sealed partial class IkeTransport : IIkeTransport, IAsyncDisposable
{
    private const int MaxDatagram = 65_535;
    private readonly Dictionary<(bool NatTraversal, AddressFamily Family), Socket> _sockets = [];
    private readonly List<Thread> _receivers = [];
    private readonly ILogger<IkeTransport> _logger;
    private const byte NatKeepalive = 0xFF;
    private long _droppedNonIke;
    private long _keepalives;
    private volatile bool _stopping;

    public IkeTransport(ILogger<IkeTransport> logger, int ikePort = IkePorts.Ike, int natTraversalPort = IkePorts.NatTraversal)
    {
        _logger = logger;
        foreach (var (port, natTraversal) in new[] { (ikePort, false), (natTraversalPort, true) })
        {
            foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
            {
                if (family == AddressFamily.InterNetworkV6 && !Socket.OSSupportsIPv6)
                {
                    continue;
                }

                var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                if (family == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = false;
                }

                // IP_PKTINFO tells which local address a request came to, so the reply leaves from it.
                socket.SetSocketOption(family == AddressFamily.InterNetwork ? SocketOptionLevel.IP : SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
                socket.ReceiveBufferSize = 4 * 1024 * 1024;
                socket.Bind(new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, port));
                _sockets[(natTraversal, family)] = socket;
            }
        }
    }

    /// <summary>The bound ports (tests bind port 0 and read the ephemeral ports here).</summary>
    public int PortOf(bool natTraversal, AddressFamily family = AddressFamily.InterNetwork) => ((IPEndPoint)_sockets[(natTraversal, family)].LocalEndPoint!).Port;

    /// <summary>Datagrams on 4500 that were neither IKE nor removed by the data path.</summary>
    public long DroppedNonIke => Interlocked.Read(ref _droppedNonIke);

    /// <summary>NAT keepalives received on 4500 (they only keep a NAT's mapping open; IKE never sees them).</summary>
    public long Keepalives => Interlocked.Read(ref _keepalives);

    /// <summary>
    /// Starts one receive thread per socket; each datagram is passed to <paramref name="receiver"/> on that thread, so
    /// the receiver must be quick and thread-safe (the agent queues it for the IKE loop). Datagrams that arrive before
    /// this call wait in the sockets' buffers.
    /// </summary>
    public void Start(Action<IkeDatagram> receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (_receivers.Count > 0)
        {
            throw new InvalidOperationException("the IKE transport is already started");
        }

        foreach (var ((natTraversal, family), socket) in _sockets)
        {
            var thread = new Thread(() => ReceiveLoop(socket, natTraversal, receiver))
            {
                IsBackground = true,
                Name = $"IKE receive {(natTraversal ? IkePorts.NatTraversal : IkePorts.Ike)} {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}",
            };
            thread.Start();
            _receivers.Add(thread);
        }
    }

    /// <summary>
    /// Sends one IKE message from port 500, or from port 4500 with the non-ESP marker once NAT traversal floated; from
    /// <paramref name="local"/> when given (a host with several addresses answers from the one the peer talks to).
    /// </summary>
    public void Send(ReadOnlySpan<byte> message, IPEndPoint remote, bool natTraversal, IPAddress? local = null)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var socket = _sockets[(natTraversal, remote.AddressFamily)];
        var from = local is not null && local.AddressFamily == remote.AddressFamily && !local.Equals(IPAddress.Any) && !local.Equals(IPAddress.IPv6Any) ? local : null;
        if (!natTraversal)
        {
            SendFrom(socket, message, remote, from);
            return;
        }

        Span<byte> framed = message.Length <= 2048 ? stackalloc byte[message.Length + 4] : new byte[message.Length + 4];
        framed[..4].Clear();
        message.CopyTo(framed[4..]);
        SendFrom(socket, framed, remote, from);
    }

    public ValueTask DisposeAsync()
    {
        _stopping = true;

        // Closing a socket wakes the thread blocked in its receive (the runtime shuts the socket down first).
        foreach (var socket in _sockets.Values)
        {
            socket.Dispose();
        }

        foreach (var receiver in _receivers)
        {
            receiver.Join();
        }

        return ValueTask.CompletedTask;
    }

    private static void SendFrom(Socket socket, ReadOnlySpan<byte> datagram, IPEndPoint remote, IPAddress? local)
    {
        if (local is not null)
        {
            PacketInfoSender.Send(socket, datagram, remote, local);
        }
        else
        {
            socket.SendTo(datagram, SocketFlags.None, remote);
        }
    }

    private void ReceiveLoop(Socket socket, bool natTraversal, Action<IkeDatagram> receiver)
    {
        var buffer = new byte[MaxDatagram];
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!_stopping)
        {
            int received;
            IPPacketInformation packetInformation;
            var remote = any;
            try
            {
                var flags = SocketFlags.None;
                received = socket.ReceiveMessageFrom(buffer, 0, buffer.Length, ref flags, ref remote, out packetInformation);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                if (_stopping)
                {
                    return;
                }

                // ICMP errors surface as ConnectionReset on UDP; the socket stays usable.
                LogReceiveError(e.SocketErrorCode);
                continue;
            }

            if (_stopping)
            {
                return;
            }

            var message = buffer.AsSpan(0, received);
            if (natTraversal)
            {
                if (message is [NatKeepalive])
                {
                    Interlocked.Increment(ref _keepalives);
                    continue;
                }

                if (message.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(message) != 0)
                {
                    Interlocked.Increment(ref _droppedNonIke);
                    continue;
                }

                message = message[4..];
            }

            receiver(new IkeDatagram(message.ToArray(), (IPEndPoint)remote, new IPEndPoint(packetInformation.Address, port), natTraversal));
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "IKE socket receive error {Error}")]
    private partial void LogReceiveError(SocketError error);
}
