using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Rampart.Agent.Ike;

/// <summary>
/// IKE's UDP sockets: port 500 and port 4500 (NAT traversal, RFC 3947/3948) on every address, IPv4 and IPv6.
/// On port 4500 IKE messages carry a four-byte zero non-ESP marker; anything else arriving there is ESP-in-UDP,
/// which the data path takes before it reaches this socket, so such datagrams are counted and dropped here.
/// </summary>
public sealed partial class IkeTransport : IAsyncDisposable
{
    public const int IkePort = 500;
    public const int NatTraversalPort = 4500;
    private const int MaxDatagram = 65_535;
    private readonly Dictionary<(bool NatTraversal, AddressFamily Family), Socket> _sockets = [];
    private readonly Channel<IkeDatagram> _received = Channel.CreateBounded<IkeDatagram>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _receivers = [];
    private readonly ILogger<IkeTransport> _logger;
    private long _droppedNonIke;

    public IkeTransport(ILogger<IkeTransport> logger, int ikePort = IkePort, int natTraversalPort = NatTraversalPort)
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
                _receivers.Add(Task.Run(() => ReceiveLoopAsync(socket, natTraversal)));
            }
        }
    }

    /// <summary>The bound ports (tests bind port 0 and read the ephemeral ports here).</summary>
    public int PortOf(bool natTraversal, AddressFamily family = AddressFamily.InterNetwork) => ((IPEndPoint)_sockets[(natTraversal, family)].LocalEndPoint!).Port;

    /// <summary>Datagrams on 4500 that were neither IKE nor removed by the data path.</summary>
    public long DroppedNonIke => Interlocked.Read(ref _droppedNonIke);

    public ChannelReader<IkeDatagram> Received => _received.Reader;

    /// <summary>
    /// Sends one IKE message from port 500, or from port 4500 with the non-ESP marker once NAT traversal floated; from
    /// <paramref name="local"/> when given (a host with several addresses answers from the one the peer talks to).
    /// </summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, IPEndPoint remote, bool natTraversal, IPAddress? local = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var socket = _sockets[(natTraversal, remote.AddressFamily)];
        if (natTraversal)
        {
            var framed = new byte[message.Length + 4];
            message.Span.CopyTo(framed.AsSpan(4));
            message = framed;
        }

        if (local is not null && local.AddressFamily == remote.AddressFamily && !local.Equals(IPAddress.Any) && !local.Equals(IPAddress.IPv6Any))
        {
            PacketInfoSender.Send(socket, message.Span, remote, local);
            return;
        }

        await socket.SendToAsync(message, SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var socket in _sockets.Values)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_receivers).ConfigureAwait(false);
        _received.Writer.TryComplete();
        _stopping.Dispose();
    }

    private async Task ReceiveLoopAsync(Socket socket, bool natTraversal)
    {
        var buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult result;
            try
            {
                result = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // ICMP errors surface as ConnectionReset on UDP; the socket stays usable.
                LogReceiveError(e.SocketErrorCode);
                continue;
            }

            var message = buffer.AsMemory(0, result.ReceivedBytes);
            if (natTraversal)
            {
                if (message.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(message.Span) != 0)
                {
                    Interlocked.Increment(ref _droppedNonIke);
                    continue;
                }

                message = message[4..];
            }

            var local = new IPEndPoint(result.PacketInformation.Address, ((IPEndPoint)socket.LocalEndPoint!).Port);
            _received.Writer.TryWrite(new IkeDatagram(message.ToArray(), (IPEndPoint)result.RemoteEndPoint, local, natTraversal));
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "IKE socket receive error {Error}")]
    private partial void LogReceiveError(SocketError error);
}
