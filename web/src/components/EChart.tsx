/**
 * One ECharts chart (echarts/core with only the charts used: line, bar), SVG
 * renderer so it prints and scales. The chart is decorative for screen readers
 * (`aria-hidden`): every page shows the same numbers in a table beside it.
 */
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

export function EChart({
  option,
  height = 260,
  testId,
}: {
  option: ChartOption;
  height?: number;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: "svg" });
    chart.setOption({ animation: false, textStyle: { fontFamily: "inherit" }, ...option });
    const onResize = () => chart.resize();
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      chart.dispose();
    };
  }, [option]);
  return (
    <div ref={ref} style={{ height, width: "100%" }} aria-hidden="true" data-testid={testId} />
  );
}
