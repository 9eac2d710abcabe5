import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { CalendarHeatmap } from "./CalendarHeatmap";

describe("CalendarHeatmap", () => {
  it("gives each traded day a button that opens it, shaded by sign, the others plain", () => {
    const onDay = vi.fn();
    const { container } = render(
      <CalendarHeatmap
        days={[
          { key: "2025-01-06", net: -200, trades: 3 },
          { key: "2025-01-08", net: 100, trades: 1 },
        ]}
        onDay={onDay}
      />,
    );
    expect(container.querySelectorAll("td[data-day]")).toHaveLength(2);
    expect(container.querySelectorAll("td.empty-day")).toHaveLength(29);
    const loss = container.querySelector("td[data-day='2025-01-06']") as HTMLElement;
    const win = container.querySelector("td[data-day='2025-01-08']") as HTMLElement;
    // The largest day is full strength; half of it is lighter.
    expect(loss.style.background).toBe("rgb(239, 83, 80)");
    expect(win.style.background).toBe("rgba(38, 166, 154, 0.575)");
    fireEvent.click(screen.getByRole("button", { name: /2025-01-08: net 100.00, 1 trades/ }));
    expect(onDay).toHaveBeenCalledWith("2025-01-08");
  });
});
