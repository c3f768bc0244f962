using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Rampart.Core.Control;

namespace Rampart.Lab;

/// <summary>
/// One connection to an agent's control socket: a request is one JSON line, the answer one JSON line. The CLI,
/// the demo and the tests all talk to rampartd through this class.
/// </summary>
public sealed class ControlClient : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;

    private ControlClient(Socket socket, TimeSpan timeout)
    {
        _socket = socket;
        _socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new StreamReader(_stream, Encoding.UTF8);
        _writer = new StreamWriter(_stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
    }

    /// <summary>Connects to <paramref name="socketPath"/>; a <see cref="SocketException"/> says why not (no agent, access denied).</summary>
    public static ControlClient Connect(string socketPath, TimeSpan? timeout = null)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return new ControlClient(socket, timeout ?? TimeSpan.FromSeconds(30));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the agent whose state directory is <paramref name="home"/>.</summary>
    public static ControlClient ConnectToHome(string home, TimeSpan? timeout = null) => Connect(ControlEndpoint.SocketPath(home), timeout);

    /// <summary>One request on a connection of its own to the agent of <paramref name="home"/>.</summary>
    public static ControlResponse Send(string home, string command, object? arguments = null, TimeSpan? timeout = null)
    {
        using var client = ConnectToHome(home, timeout);
        return client.Send(command, arguments);
    }

    /// <summary>As <see cref="Send(string, string, object?, TimeSpan?)"/>, without blocking a thread while the agent works.</summary>
    public static async Task<ControlResponse> SendAsync(string home, string command, object? arguments = null, CancellationToken cancel = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(ControlEndpoint.SocketPath(home)), cancel).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        using var client = new ControlClient(socket, TimeSpan.FromSeconds(30));
        await client._writer.WriteLineAsync(Serialize(command, arguments).AsMemory(), cancel).ConfigureAwait(false);
        var answer = await client._reader.ReadLineAsync(cancel).ConfigureAwait(false);
        return Deserialize(answer);
    }

    /// <summary>The result of a request the agent accepted; throws with the agent's error if it refused.</summary>
    public static JsonElement ResultOf(string command, ControlResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Ok ? response.Result ?? default : throw new InvalidOperationException($"{command} refused: {response.Error}");
    }

    public ControlResponse Send(string command, object? arguments = null) => SendLine(Serialize(command, arguments));

    /// <summary>Sends <paramref name="line"/> as it is (a test sends malformed requests too) and reads the answer.</summary>
    public ControlResponse SendLine(string line)
    {
        _writer.WriteLine(line);
        return Deserialize(_reader.ReadLine());
    }

    private static string Serialize(string command, object? arguments)
    {
        var request = new ControlRequest(command, arguments is null ? null : JsonSerializer.SerializeToElement(arguments, arguments.GetType(), ControlJson.Options));
        return JsonSerializer.Serialize(request, ControlJson.Options);
    }

    private static ControlResponse Deserialize(string? answer) =>
        JsonSerializer.Deserialize<ControlResponse>(answer ?? throw new IOException("the agent closed the control connection without answering"), ControlJson.Options)
            ?? throw new IOException("the agent sent an empty answer");

    public void Dispose()
    {
        _writer.Dispose();
        _reader.Dispose();
        _stream.Dispose();
        _socket.Dispose();
    }
}
