using System.Collections.Concurrent;
using System.Text.Json;
using Rampart.Core.Control;

namespace Rampart.Agent.Control;

/// <summary>
/// Maps control commands (e.g. <c>sa.list</c>) to the components that answer them. Components register
/// their handlers at start-up, so the socket server knows nothing about SAs, policies or monitors.
/// </summary>
public sealed class ControlDispatcher
{
    private readonly ConcurrentDictionary<string, Func<JsonElement?, CancellationToken, ValueTask<object?>>> _handlers = new(StringComparer.Ordinal);

    public IEnumerable<string> Commands => _handlers.Keys.Order(StringComparer.Ordinal);

    public void Register<TArguments>(string command, Func<TArguments, CancellationToken, ValueTask<object?>> handler)
        where TArguments : class, new()
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers[command] = (arguments, cancellationToken) =>
        {
            var typed = arguments is { ValueKind: JsonValueKind.Object } element
                ? element.Deserialize<TArguments>(ControlJson.Options) ?? new TArguments()
                : new TArguments();
            return handler(typed, cancellationToken);
        };
    }

    public void Register(string command, Func<CancellationToken, ValueTask<object?>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers[command] = (_, cancellationToken) => handler(cancellationToken);
    }

    public async ValueTask<ControlResponse> DispatchAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_handlers.TryGetValue(request.Command, out var handler))
        {
            return new ControlResponse(false, $"unknown command '{request.Command}'");
        }

        try
        {
            var result = await handler(request.Arguments, cancellationToken).ConfigureAwait(false);
            return new ControlResponse(true, Result: result is null ? null : JsonSerializer.SerializeToElement(result, result.GetType(), ControlJson.Options));
        }
        catch (ControlException e)
        {
            return new ControlResponse(false, e.Message);
        }
        catch (JsonException e)
        {
            return new ControlResponse(false, $"malformed arguments for '{request.Command}': {e.Message}");
        }
    }
}
