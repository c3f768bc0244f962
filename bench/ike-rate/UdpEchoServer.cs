using System.Net;
using System.Net.Sockets;

namespace Rampart.IkeRate;

/// <summary>
/// <c>ike-rate echo PORT ADDRESSES...</c>: sends every UDP datagram back to its sender, from the address it came to
/// (one socket per address, because the reply's source address selects the host's SA binding).
/// </summary>
internal static class UdpEchoServer
{
    public static async Task<int> RunAsync(int port, IReadOnlyList<IPAddress> addresses)
    {
        var sockets = new List<Socket>();
        foreach (var address in addresses)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(address, port));
            sockets.Add(socket);
        }

        using var stopping = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopping.Cancel();
        };
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        Console.WriteLine($"echo: listening on {sockets.Count} addresses, port {port}");
        await Task.WhenAll(sockets.Select(socket => EchoAsync(socket, stopping.Token))).ConfigureAwait(false);
        sockets.ForEach(socket => socket.Dispose());
        return 0;
    }

    private static async Task EchoAsync(Socket socket, CancellationToken stopping)
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stopping).ConfigureAwait(false);
                await socket.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), SocketFlags.None, received.RemoteEndPoint, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error from an earlier reply (or the held reply dropped) must not stop the echo.
            }
        }
    }
}
