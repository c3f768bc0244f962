using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rampart.Credentials.Tests.Certificates;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 (an ephemeral port) serving fixed bodies by path: where the tests publish
/// CRLs. It counts requests per path, so caching is visible.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<string, byte[]> _bodies = new();
    private readonly ConcurrentDictionary<string, int> _requests = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _hanging = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackHttpServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}/{path}");

    public void Publish(string path, byte[] body) => _bodies[path] = body;

    public int Requests(string path) => _requests.GetValueOrDefault(path);

    /// <summary>Requests for <paramref name="path"/> are read and never answered; the task completes when one arrives.</summary>
    public Task Hang(string path) => _hanging.GetOrAdd(path, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
            var requestLine = await reader.ReadLineAsync() ?? "";
            while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
            {
                // Headers: nothing in them matters here.
            }

            var path = requestLine.Split(' ') is [_, var target, ..] ? target.TrimStart('/') : "";
            _requests.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (_hanging.TryGetValue(path, out var hanging))
            {
                hanging.TrySetResult();
                await Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            var found = _bodies.TryGetValue(path, out var body);
            body ??= [];
            var header = found
                ? $"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"
                : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(header));
            if (found)
            {
                await stream.WriteAsync(body);
            }
        }
    }
}
