using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rampart.Core.Control;

namespace Rampart.Agent.Control;

/// <summary>
/// Serves the control socket (<c>RAMPART_HOME/rampartd.sock</c>): mode 0600, or 0660 with the control group when it
/// exists. Each connection's peer is identified by the kernel (SO_PEERCRED) and each request checked against
/// <see cref="ControlAccess"/>. One JSON request per line, one JSON response per line.
/// </summary>
public sealed partial class ControlServer(AgentOptions options, ControlDispatcher dispatcher, ControlAccess access, ILogger<ControlServer> logger) : BackgroundService
{
    private const int MaxRequestBytes = 1 << 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = ControlEndpoint.SocketPath(options.Home);
        File.Delete(path);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        options.ControlGroup.Own(path);
        File.SetUnixFileMode(path, options.ControlGroup.Id is null
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        listener.Listen(16);
        LogListening(path);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var connection = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
                _ = ServeAsync(connection, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken stoppingToken)
    {
        try
        {
            await using var stream = new NetworkStream(connection, ownsSocket: true);
            var peer = PeerCredentials.Of(connection);
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 4096, leaveOpen: true) { AutoFlush = true, NewLine = "\n" };
            while (await reader.ReadLineAsync(stoppingToken).ConfigureAwait(false) is { } line)
            {
                var response = line.Length > MaxRequestBytes
                    ? new ControlResponse(false, "request too large")
                    : await HandleLineAsync(peer, line, stoppingToken).ConfigureAwait(false);
                await writer.WriteLineAsync(JsonSerializer.Serialize(response, ControlJson.Options)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            LogConnectionFailed(e.Message);
        }
    }

    internal async Task<ControlResponse> HandleLineAsync(PeerCredentials peer, string line, CancellationToken stoppingToken)
    {
        ControlRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<ControlRequest>(line, ControlJson.Options);
        }
        catch (JsonException e)
        {
            return new ControlResponse(false, $"malformed request: {e.Message}");
        }

        if (request is null || string.IsNullOrWhiteSpace(request.Command))
        {
            return new ControlResponse(false, "malformed request: no command");
        }

        if (access.Refusal(peer, request.Command) is { } refusal)
        {
            LogRefused(request.Command, peer.UserId, peer.ProcessId, access.Refused);
            return new ControlResponse(false, refusal);
        }

        try
        {
            return await dispatcher.DispatchAsync(request, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The agent must outlive a bug in one handler; the caller learns what failed.
            LogHandlerFailed(e, request.Command);
            return new ControlResponse(false, $"internal error in '{request.Command}': {e.Message}");
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Control socket listening on {Path}")]
    private partial void LogListening(string path);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Control connection ended: {Reason}")]
    private partial void LogConnectionFailed(string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Control command {Command} refused to uid {UserId} (pid {ProcessId}); {Refused} refused since start")]
    private partial void LogRefused(string command, uint userId, int processId, long refused);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Control command {Command} failed")]
    private partial void LogHandlerFailed(Exception exception, string command);
}
