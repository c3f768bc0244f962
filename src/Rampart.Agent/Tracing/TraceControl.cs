using Microsoft.Extensions.Hosting;
using Rampart.Agent.Control;

namespace Rampart.Agent.Tracing;

/// <summary>Control commands <c>trace.set</c> (switch the IKE or agent trace) and <c>trace.status</c>.</summary>
public sealed class TraceControl(TraceFileLoggerProvider traces, ControlDispatcher dispatcher) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        dispatcher.Register("trace.status", _ => ValueTask.FromResult<object?>(Status()));
        dispatcher.Register<TraceSetArguments>("trace.set", (arguments, _) =>
        {
            if (!Enum.TryParse<TraceKind>(arguments.Trace, ignoreCase: true, out var kind))
            {
                throw new ControlException($"unknown trace '{arguments.Trace}'; expected ike or agent");
            }

            traces.SetEnabled(kind, arguments.Enabled);
            return ValueTask.FromResult<object?>(Status());
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private List<TraceStatus> Status() =>
        [.. Enum.GetValues<TraceKind>().Select(kind => new TraceStatus(kind.ToString().ToLowerInvariant(), traces.IsEnabled(kind), traces.PathOf(kind), traces.DroppedLines(kind)))];
}

public sealed class TraceSetArguments
{
    public string Trace { get; set; } = "";

    public bool Enabled { get; set; }
}

/// <summary>One trace's state; <c>DroppedLines</c> counts lines lost because the writer's queue was full.</summary>
public sealed record TraceStatus(string Trace, bool Enabled, string Path, long DroppedLines);
