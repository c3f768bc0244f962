using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Rampart.Lab;

namespace Rampart.TestLab;

/// <summary>
/// Sends pseudo-random bytes from a socket in one namespace to a listener in another (sockets created on
/// setns threads, I/O from the test process) and compares SHA-256 of what was sent and received.
/// </summary>
public static class TcpTransfer
{
    public sealed record Result(long BytesReceived, byte[] SentHash, byte[] ReceivedHash, bool Completed);

    /// <summary>Transfers <paramref name="length"/> bytes; <paramref name="onProgress"/> sees the bytes received so far after each read.</summary>
    public static async Task<Result> RunAsync(
        string clientNs, string serverNs, string serverAddress, long length, TimeSpan timeout, Action<long>? onProgress = null)
    {
        var address = IPAddress.Parse(serverAddress);
        using var listener = NetworkNamespace.Run(serverNs, () =>
        {
            var l = new TcpListener(address, 0);
            l.Start();
            return l;
        });
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = NetworkNamespace.Run(clientNs, () => new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        using var cancel = new CancellationTokenSource(timeout);

        var accept = listener.AcceptSocketAsync(cancel.Token).AsTask();
        await client.ConnectAsync(new IPEndPoint(address, port), cancel.Token);
        using var server = await accept;

        var receive = ReceiveAsync(server, onProgress, cancel.Token);
        byte[] sentHash = await SendAsync(client, length, cancel.Token);
        try
        {
            var (received, receivedHash) = await receive;
            return new Result(received, sentHash, receivedHash, true);
        }
        catch (OperationCanceledException)
        {
            return new Result(0, sentHash, [], false);
        }
    }

    private static async Task<byte[]> SendAsync(Socket socket, long length, CancellationToken cancel)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(20261127);
        byte[] chunk = new byte[64 * 1024];
        try
        {
            for (long sent = 0; sent < length; sent += chunk.Length)
            {
                int count = (int)Math.Min(chunk.Length, length - sent);
                random.NextBytes(chunk.AsSpan(0, count));
                hash.AppendData(chunk, 0, count);
                await socket.SendAsync(chunk.AsMemory(0, count), SocketFlags.None, cancel);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (OperationCanceledException)
        {
            // The receiver reports the incomplete transfer.
        }

        return hash.GetHashAndReset();
    }

    private static async Task<(long Received, byte[] Hash)> ReceiveAsync(Socket socket, Action<long>? onProgress, CancellationToken cancel)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[256 * 1024];
        long total = 0;
        while (true)
        {
            int count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
            if (count == 0)
            {
                return (total, hash.GetHashAndReset());
            }

            hash.AppendData(buffer, 0, count);
            total += count;
            onProgress?.Invoke(total);
        }
    }
}
