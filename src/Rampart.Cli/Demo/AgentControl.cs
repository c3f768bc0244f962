using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Rampart.Core.Control;

namespace Rampart.Cli.Demo;

/// <summary>One control request to the agent of a given state directory (the demo runs two, so not AgentClient's).</summary>
internal static class AgentControl
{
    public static ControlResponse Send(string home, string command, object? arguments)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(ControlEndpoint.SocketPath(home)));
        socket.ReceiveTimeout = 10_000;
        using var stream = new NetworkStream(socket);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var request = new ControlRequest(command, arguments is null ? null : JsonSerializer.SerializeToElement(arguments, arguments.GetType(), ControlJson.Options));
        writer.WriteLine(JsonSerializer.Serialize(request, ControlJson.Options));
        var line = reader.ReadLine() ?? throw new IOException("the agent closed the control connection without answering");
        return JsonSerializer.Deserialize<ControlResponse>(line, ControlJson.Options) ?? throw new IOException("the agent sent an empty answer");
    }
}
