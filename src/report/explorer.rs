//! `explorer.html`: one self-contained page to explore a sweep's paired
//! effects (docs/sweep.md, "Explorer"). A slider per swept key (one point
//! slider for a Latin hypercube), a policy and a metric selector, the
//! chosen point's effect with its 95% interval, spread and P(better/worse/tie),
//! and a heatmap (two or more keys) or strip (one key, or a hypercube) of the
//! effect with the chosen point marked.
//!
//! The page loads nothing: CSS and JavaScript are inline and the data is an
//! inline JSON block in which `<`, `>`, `&`, U+2028 and U+2029 are written
//! as `\uXXXX` escapes, so no data text can end the `<script>` element.
//! Every text shown is set through `textContent` or escaped ([`esc`]).
//! This module does no I/O: it is given the text of `sweep.json` and
//! `sweep.csv`.

use super::html::esc;
use crate::plot::metrics::HEADLINE;
use serde_json::{json, Map, Value};

// The `diff_*` and `p_*` columns carried per point, in sweep.csv's order.
use crate::experiment::EFFECT_COLUMNS;

/// Better direction of a sweep metric: -1 lower is better, 1 higher is
/// better, 0 none (`outlay`).
fn direction(metric: &str) -> i32 {
    if let Some(m) = HEADLINE.iter().find(|m| m.key == metric) {
        return if m.lower_better { -1 } else { 1 };
    }
    match metric {
        "backlog_peak" => -1,
        _ => 0,
    }
}

/// Builds the explorer's data (the JSON object inlined in the page) from the
/// text of `sweep.json` and `sweep.csv`. Points missing from `sweep.csv` (an
/// interrupted sweep) have `null` effects.
pub fn explorer_data(sweep_json: &str, sweep_csv: &str) -> Result<Value, String> {
    let plan: Value =
        serde_json::from_str(sweep_json).map_err(|e| format!("sweep.json: not valid JSON: {e}"))?;
    let keys: Vec<String> = plan
        .pointer("/design/keys")
        .and_then(Value::as_array)
        .ok_or("sweep.json: no design.keys list")?
        .iter()
        .map(|k| {
            k.as_str()
                .map(str::to_string)
                .ok_or("sweep.json: a key is not a text")
        })
        .collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Err("sweep.json: design.keys is empty".into());
    }
    let kind = plan
        .pointer("/design/kind")
        .and_then(Value::as_str)
        .unwrap_or("grid")
        .to_string();
    let raw_points = plan
        .get("points")
        .and_then(Value::as_array)
        .ok_or("sweep.json: no points list")?;
    // Levels per key in order of first appearance; points as level indices.
    let mut levels: Vec<Vec<String>> = vec![Vec::new(); keys.len()];
    let mut points: Vec<Vec<usize>> = Vec::with_capacity(raw_points.len());
    for (i, p) in raw_points.iter().enumerate() {
        let vals = p
            .as_array()
            .filter(|a| a.len() == keys.len())
            .ok_or_else(|| {
                format!(
                    "sweep.json: point {} does not have {} values",
                    i + 1,
                    keys.len()
                )
            })?;
        let mut idx = Vec::with_capacity(keys.len());
        for (v, lv) in vals.iter().zip(levels.iter_mut()) {
            let s = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let at = match lv.iter().position(|x| *x == s) {
                Some(at) => at,
                None => {
                    lv.push(s);
                    lv.len() - 1
                }
            };
            idx.push(at);
        }
        points.push(idx);
    }
    let n_points = points.len();

    let mut rdr = csv::ReaderBuilder::new().from_reader(sweep_csv.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| format!("sweep.csv: {e}"))?
        .clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("sweep.csv: no column {name}"))
    };
    let c_point = col("point")?;
    let c_policy = col("policy")?;
    let c_metric = col("metric")?;
    // Replicates used at each point (a column since `--precision`; older
    // sweeps have one count for every point, in the plan).
    let c_reps = col("replicates").ok();
    let mut point_reps: Vec<Value> = vec![Value::Null; n_points];
    let c_eff: Vec<usize> = EFFECT_COLUMNS
        .iter()
        .map(|c| col(c))
        .collect::<Result<_, _>>()?;
    let mut policies: Vec<String> = Vec::new();
    let mut metrics: Vec<String> = Vec::new();
    // policy -> metric -> per point
    let mut cells: Vec<Vec<Vec<Value>>> = Vec::new();
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("sweep.csv: {e}"))?;
        let field = |c: usize| rec.get(c).unwrap_or("");
        let point: usize = field(c_point)
            .parse()
            .map_err(|_| format!("sweep.csv line {}: point is not a number", line + 2))?;
        if point == 0 || point > n_points {
            return Err(format!(
                "sweep.csv line {}: point {point} is not in sweep.json (1..{n_points})",
                line + 2
            ));
        }
        if let (Some(c), Some(slot)) = (c_reps, point_reps.get_mut(point - 1)) {
            if let Ok(n) = field(c).parse::<u64>() {
                *slot = json!(n);
            }
        }
        let policy = field(c_policy).to_string();
        let metric = field(c_metric).to_string();
        let pi = match policies.iter().position(|p| *p == policy) {
            Some(i) => i,
            None => {
                policies.push(policy);
                cells.push(Vec::new());
                policies.len() - 1
            }
        };
        let mi = match metrics.iter().position(|m| *m == metric) {
            Some(i) => i,
            None => {
                metrics.push(metric);
                metrics.len() - 1
            }
        };
        let Some(per_metric) = cells.get_mut(pi) else {
            continue;
        };
        while per_metric.len() <= mi {
            per_metric.push(vec![Value::Null; n_points]);
        }
        let vals: Vec<Value> = c_eff
            .iter()
            .map(|&c| match field(c) {
                "" => Value::Null,
                s => Value::String(s.to_string()),
            })
            .collect();
        if let Some(slot) = per_metric.get_mut(mi).and_then(|v| v.get_mut(point - 1)) {
            *slot = Value::Array(vals);
        }
    }
    if policies.len() < 2 {
        return Err("sweep.csv: needs a baseline and at least one other policy".into());
    }
    let mut by_policy = Map::new();
    for (p, per_metric) in policies.iter().zip(cells).skip(1) {
        let mut m = Map::new();
        for (name, per_point) in metrics.iter().zip(per_metric) {
            m.insert(name.clone(), Value::Array(per_point));
        }
        by_policy.insert(p.clone(), Value::Object(m));
    }
    let dirs: Vec<i32> = metrics.iter().map(|m| direction(m)).collect();
    Ok(json!({
        "scenario": plan.get("scenario").cloned().unwrap_or(Value::Null),
        "replicates": plan.get("replicates").cloned().unwrap_or(Value::Null),
        "point_replicates": point_reps,
        "seed": plan.get("seed").cloned().unwrap_or(Value::Null),
        "kind": kind,
        "keys": keys,
        "levels": levels,
        "points": points,
        "baseline": policies.first(),
        "policies": policies.get(1..).unwrap_or(&[]),
        "metrics": metrics,
        "directions": dirs,
        "columns": EFFECT_COLUMNS,
        "cells": by_policy,
    }))
}

/// JSON text safe inside a `<script>` element: `<`, `>`, `&`, U+2028 and
/// U+2029 become `\uXXXX` escapes (valid JSON with the same value).
pub fn script_safe_json(v: &Value) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The whole `explorer.html` page for the data of [`explorer_data`].
pub fn explorer_html(data: &Value) -> String {
    let title = match data.get("scenario").and_then(Value::as_str) {
        Some(s) => format!("Sweep explorer: {s}"),
        None => "Sweep explorer".to_string(),
    };
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&title)
    ));
    h.push_str(&format!("<h1>{}</h1>\n", esc(&title)));
    h.push_str(BODY);
    h.push_str("<script type=\"application/json\" id=\"sweep-data\">");
    h.push_str(&script_safe_json(data));
    h.push_str("</script>\n<script>");
    h.push_str(JS);
    h.push_str("</script>\n</body>\n</html>\n");
    h
}

const CSS: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:960px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.4em}
.controls{display:grid;grid-template-columns:max-content 1fr max-content;gap:.4em 1em;align-items:center;margin:1em 0}
.controls input[type=range]{width:100%}
.value{font-weight:600;font-variant-numeric:tabular-nums}
.answer{border:1px solid #ccc;border-radius:6px;padding:.8em 1em;margin:1em 0;background:#fafafa}
.answer .big{font-size:1.6em;font-weight:700;font-variant-numeric:tabular-nums}
.answer table{border-collapse:collapse}
.answer td{padding:.15em .8em .15em 0}
.note{color:#555;font-size:.9em}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
svg .cell{cursor:pointer}
"#;

const BODY: &str = r#"<p class="note">Paired effect of a policy against the baseline at each point of the sweep:
the mean over replicates of (policy minus baseline), replicate by replicate with common random numbers.
Move a slider to choose a point; click a heatmap cell to jump to it. This page works offline.</p>
<div class="controls" id="controls"></div>
<div class="controls">
<label for="policy">Policy</label><select id="policy"></select><span></span>
<label for="metric">Metric</label><select id="metric"></select><span></span>
</div>
<div class="answer" id="answer">
<div id="point-label"></div>
<div>Effect (<span id="policy-name"></span> minus <span id="baseline-name"></span>, <span id="metric-name"></span>):
<span class="big" id="effect-mean"></span></div>
<table>
<tr><td>95% interval of the mean effect</td><td class="value" id="effect-ci"></td></tr>
<tr><td>Spread across simulated worlds (5% to 95%)</td><td class="value" id="effect-spread"></td></tr>
<tr><td>Median effect</td><td class="value" id="effect-median"></td></tr>
<tr><td>P(better)</td><td class="value" id="p-better"></td></tr>
<tr><td>P(worse)</td><td class="value" id="p-worse"></td></tr>
<tr><td>P(tie)</td><td class="value" id="p-tie"></td></tr>
</table>
<div class="note" id="direction-note"></div>
</div>
<div id="chart"></div>
<p class="note" id="chart-note"></p>
"#;

const JS: &str = r##"
(function(){
"use strict";
var D=JSON.parse(document.getElementById("sweep-data").textContent);
var grid=D.kind!=="lhs";
var sliders=[];
var index={};
D.points.forEach(function(p,i){index[p.join(",")]=i;});
function el(id){return document.getElementById(id);}
function fmt(s){
  if(s===null||s===undefined||s==="")return "n/a";
  var x=Number(s);if(!isFinite(x))return String(s);
  var a=Math.abs(x),t;
  if(a>=1000){t=Math.round(x).toString().replace(/\B(?=(\d{3})+(?!\d))/g,",");}
  else if(a===0){t="0";}
  else{t=String(Number(x.toPrecision(3)));}
  return (x>0?"+":"")+t;
}
function pct(s){
  if(s===null||s===undefined||s==="")return "n/a";
  var x=Number(s);if(!isFinite(x))return String(s);
  return (Math.round(x*1000)/10)+"%";
}
function plain(s){var t=fmt(s);return t.charAt(0)==="+"?t.slice(1):t;}
var controls=el("controls");
function addSlider(label,max,fmtv){
  var lab=document.createElement("label");
  var id="k"+sliders.length;
  lab.htmlFor=id;lab.textContent=label;
  var inp=document.createElement("input");
  inp.type="range";inp.min="0";inp.max=String(max);inp.step="1";inp.value="0";inp.id=id;
  var out=document.createElement("span");out.className="value";out.id=id+"-value";
  controls.appendChild(lab);controls.appendChild(inp);controls.appendChild(out);
  var s={input:inp,out:out,fmt:fmtv};
  inp.addEventListener("input",onInput);
  sliders.push(s);
}
if(grid){
  D.keys.forEach(function(k,i){
    addSlider(k,D.levels[i].length-1,function(v){return D.levels[i][v];});
  });
}else{
  addSlider("point",D.points.length-1,function(v){
    return (v+1)+" ("+D.keys.map(function(k,i){return k+"="+D.levels[i][D.points[v][i]];}).join(", ")+")";
  });
}
var polSel=el("policy"),metSel=el("metric");
D.policies.forEach(function(p){polSel.appendChild(new Option(p,p));});
D.metrics.forEach(function(m){metSel.appendChild(new Option(m,m));});
if(D.metrics.indexOf("rerecruited")>=0)metSel.value="rerecruited";
polSel.addEventListener("change",onInput);
metSel.addEventListener("change",onInput);
function chosenPoint(){
  if(!grid)return Number(sliders[0].input.value);
  var key=sliders.map(function(s){return Number(s.input.value);}).join(",");
  return index.hasOwnProperty(key)?index[key]:-1;
}
function cell(pt){
  var per=D.cells[polSel.value];var arr=per?per[metSel.value]:null;
  return (arr&&pt>=0)?arr[pt]:null;
}
var C={};D.columns.forEach(function(c,i){C[c]=i;});
function get(c,name){return c?c[C[name]]:null;}
function onInput(){
  sliders.forEach(function(s){s.out.textContent=s.fmt(Number(s.input.value));});
  var pt=chosenPoint();
  var c=cell(pt);
  var mi=D.metrics.indexOf(metSel.value),dir=D.directions[mi]||0;
  el("point-label").textContent=pt>=0?("Point "+(pt+1)+" of "+D.points.length+": "+D.keys.map(function(k,i){return k+" = "+D.levels[i][D.points[pt][i]];}).join(", ")+((D.point_replicates&&D.point_replicates[pt])?(" ("+D.point_replicates[pt]+" replicates)"):(D.replicates?(" ("+D.replicates+" replicates)"):""))):"No point of the sweep has these values.";
  el("policy-name").textContent=polSel.value;
  el("baseline-name").textContent=D.baseline;
  el("metric-name").textContent=metSel.value;
  var m=el("effect-mean");
  m.textContent=c?fmt(get(c,"diff_mean")):"n/a";
  m.setAttribute("data-exact",c&&get(c,"diff_mean")!==null?get(c,"diff_mean"):"");
  m.setAttribute("data-point",String(pt+1));
  el("effect-ci").textContent=c?(fmt(get(c,"diff_ci_low"))+" to "+fmt(get(c,"diff_ci_high"))):"n/a";
  el("effect-spread").textContent=c?(fmt(get(c,"diff_p05"))+" to "+fmt(get(c,"diff_p95"))):"n/a";
  el("effect-median").textContent=c?fmt(get(c,"diff_p50")):"n/a";
  el("p-better").textContent=c?pct(get(c,"p_better")):"n/a";
  el("p-worse").textContent=c?pct(get(c,"p_worse")):"n/a";
  el("p-tie").textContent=c?pct(get(c,"p_tie")):"n/a";
  el("direction-note").textContent=dir<0?"Lower is better for "+metSel.value+": a negative effect favours the policy.":dir>0?"Higher is better for "+metSel.value+": a positive effect favours the policy.":metSel.value+" has no better direction.";
  draw(pt,dir);
}
var NS="http://www.w3.org/2000/svg";
function svgEl(name,attrs,parent){var e=document.createElementNS(NS,name);for(var a in attrs)e.setAttribute(a,attrs[a]);if(parent)parent.appendChild(e);return e;}
function colour(v,max,dir){
  if(v===null||!isFinite(v))return "#eeeeee";
  var t=max>0?Math.min(1,Math.abs(v)/max):0;
  var good=dir===0?v>0:v*dir>0;
  var to=good?[33,102,172]:[230,97,1];
  var r=Math.round(255+(to[0]-255)*t),g=Math.round(255+(to[1]-255)*t),b=Math.round(255+(to[2]-255)*t);
  return "rgb("+r+","+g+","+b+")";
}
function draw(pt,dir){
  var box=el("chart");while(box.firstChild)box.removeChild(box.firstChild);
  var xs,ys,at,xl,yl,xname,yname;
  if(grid&&D.keys.length>=2){
    xs=D.levels[0].map(function(_,i){return i;});ys=D.levels[1].map(function(_,i){return i;});
    xname=D.keys[0];yname=D.keys[1];
    xl=function(i){return D.levels[0][i];};yl=function(j){return D.levels[1][j];};
    at=function(i,j){var k=sliders.map(function(s){return Number(s.input.value);});k[0]=i;k[1]=j;var key=k.join(",");return index.hasOwnProperty(key)?index[key]:-1;};
  }else if(grid){
    xs=D.levels[0].map(function(_,i){return i;});ys=[0];xname=D.keys[0];yname="";
    xl=function(i){return D.levels[0][i];};yl=function(){return "";};
    at=function(i){return index.hasOwnProperty(String(i))?index[String(i)]:-1;};
  }else{
    xs=D.points.map(function(_,i){return i;});ys=[0];xname="point";yname="";
    xl=function(i){return String(i+1);};yl=function(){return "";};
    at=function(i){return i;};
  }
  var vals=[],max=0;
  xs.forEach(function(i){ys.forEach(function(j){var p=at(i,j),c=cell(p),v=c?Number(get(c,"diff_mean")):NaN;if(get(c,"diff_mean")===null)v=NaN;if(isFinite(v))max=Math.max(max,Math.abs(v));vals.push({i:i,j:j,p:p,v:v,c:c});});});
  var cw=Math.max(28,Math.min(90,Math.floor(760/xs.length))),ch=ys.length>1?Math.max(24,Math.min(60,Math.floor(480/ys.length))):50;
  var left=ys.length>1?90:20,top=10,bottom=60;
  var W=left+cw*xs.length+20,H=top+ch*ys.length+bottom;
  var svg=svgEl("svg",{width:W,height:H,viewBox:"0 0 "+W+" "+H,id:"heatmap",role:"img"},box);
  vals.forEach(function(d){
    var x=left+d.i*cw,y=top+(ys.length-1-d.j)*ch;
    var r=svgEl("rect",{x:x,y:y,width:cw,height:ch,fill:colour(d.v,max,dir),stroke:"#ffffff","class":"cell"},svg);
    var sig=d.c&&get(d.c,"diff_ci_low")!==null&&get(d.c,"diff_ci_high")!==null&&(Number(get(d.c,"diff_ci_low"))>0||Number(get(d.c,"diff_ci_high"))<0);
    var t=svgEl("text",{x:x+cw/2,y:y+ch/2+4,"text-anchor":"middle","font-size":cw<45?9:11},svg);
    t.textContent=isFinite(d.v)?(fmt(get(d.c,"diff_mean"))+(sig?"*":"")):"";
    var tt=svgEl("title",{},r);tt.textContent=(d.p>=0?"point "+(d.p+1)+": ":"")+t.textContent;
    if(d.p>=0){r.addEventListener("click",function(){setPoint(d.p);});}
  });
  var mark=vals.filter(function(d){return d.p===pt&&pt>=0;})[0];
  if(mark){svgEl("rect",{x:left+mark.i*cw+1.5,y:top+(ys.length-1-mark.j)*ch+1.5,width:cw-3,height:ch-3,fill:"none",stroke:"#000000","stroke-width":3,id:"chosen-cell"},svg);}
  xs.forEach(function(i){var t=svgEl("text",{x:left+i*cw+cw/2,y:top+ch*ys.length+16,"text-anchor":"middle","font-size":10},svg);t.textContent=xl(i);});
  var xt=svgEl("text",{x:left+cw*xs.length/2,y:top+ch*ys.length+40,"text-anchor":"middle","font-size":12},svg);xt.textContent=xname;
  if(ys.length>1){
    ys.forEach(function(j){var t=svgEl("text",{x:left-6,y:top+(ys.length-1-j)*ch+ch/2+4,"text-anchor":"end","font-size":10},svg);t.textContent=yl(j);});
    var yt=svgEl("text",{x:12,y:top+ch*ys.length/2,"text-anchor":"middle","font-size":12,transform:"rotate(-90 12 "+(top+ch*ys.length/2)+")"},svg);yt.textContent=yname;
  }
  var fixed=grid&&D.keys.length>2?(" Other keys fixed at the sliders: "+D.keys.slice(2).map(function(k,i){return k+" = "+D.levels[i+2][Number(sliders[i+2].input.value)];}).join(", ")+"."):"";
  el("chart-note").textContent="Mean effect of "+polSel.value+" on "+metSel.value+" per point; blue: "+(dir===0?"higher":"better")+" than the baseline, orange: "+(dir===0?"lower":"worse")+", deeper for larger effects; * where the 95% interval excludes 0; the black frame marks the chosen point."+fixed;
}
function setPoint(p){
  if(grid){D.points[p].forEach(function(l,i){sliders[i].input.value=String(l);});}
  else{sliders[0].input.value=String(p);}
  onInput();
}
function fromHash(){
  var h=(location.hash||"").replace(/^#/,"");
  if(!h)return;
  h.split("&").forEach(function(kv){
    var e=kv.indexOf("=");if(e<0)return;
    var k=decodeURIComponent(kv.slice(0,e)),v=decodeURIComponent(kv.slice(e+1));
    var m=/^k(\d+)$/.exec(k);
    if(m&&sliders[Number(m[1])]){sliders[Number(m[1])].input.value=v;}
    else if(k==="point"){var p=Number(v)-1;if(p>=0&&p<D.points.length){if(grid){D.points[p].forEach(function(l,i){sliders[i].input.value=String(l);});}else{sliders[0].input.value=String(p);}}}
    else if(k==="policy"&&D.policies.indexOf(v)>=0){polSel.value=v;}
    else if(k==="metric"&&D.metrics.indexOf(v)>=0){metSel.value=v;}
  });
}
fromHash();
onInput();
window.addEventListener("hashchange",function(){fromHash();onInput();});
})();
"##;
