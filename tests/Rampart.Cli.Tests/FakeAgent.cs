using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Rampart.Core.Control;

namespace Rampart.Cli.Tests;

/// <summary>
/// Listens on RAMPART_HOME/rampartd.sock like the agent and answers each request through <c>answer</c>, recording
/// what the CLI asked; the CLI's output is then checked against known answers. (The agent's side of these commands
/// is tested against the real rampartd in Rampart.Agent.Tests.)
/// </summary>
internal sealed class FakeAgent : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Func<ControlRequest, object?> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeAgent(string home, Func<ControlRequest, object?> answer)
    {
        _answer = answer;
        Directory.CreateDirectory(home);
        _listener.Bind(new UnixDomainSocketEndPoint(ControlEndpoint.SocketPath(home)));
        _listener.Listen(8);
        _loop = Task.Run(AcceptAsync);
    }

    public ConcurrentQueue<ControlRequest> Requests { get; } = new();

    public static ControlResponse Ok(object? result) =>
        new(true, Result: result is null ? null : JsonSerializer.SerializeToElement(result, result.GetType(), ControlJson.Options));

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with the socket.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        using (connection)
        {
            await using var stream = new NetworkStream(connection);
            using var reader = new StreamReader(stream);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            while (await reader.ReadLineAsync() is { } line)
            {
                var request = JsonSerializer.Deserialize<ControlRequest>(line, ControlJson.Options)!;
                Requests.Enqueue(request);
                var answer = _answer(request);
                var response = answer as ControlResponse ?? Ok(answer);
                await writer.WriteLineAsync(JsonSerializer.Serialize(response, ControlJson.Options));
            }
        }
    }
}
